// Without WebGPU the page still shows what the playground measures: example results recorded
// with the project's own CLI (public/recorded/), clearly marked as recorded — not computed in
// this browser.
import { useEffect, useMemo, useState } from 'react';
import { baseline } from '../../../attention/registry';
import { parseCsv } from '../../../bench/csv';
import { rowToPoint, type Point } from '../../../state/points';
import { PointsByProblem } from '../compare/compare-view';
import { Figure } from '../../plots/figure';
import { themeColors } from '../../plots/figure-theme';
import { sweepFiguresOf } from '../sweep/sweep-view';
import { useColorScheme } from '../../common/use-color-scheme';

export const RECORDED_CSV = 'recorded/example.csv';
export const RECORDED_ABOUT = 'recorded/about.json';

interface About {
  command?: string;
  date?: string;
  adapter?: string;
  note?: string;
}

export default function RecordedResults() {
  const [points, setPoints] = useState<Point[]>();
  const [about, setAbout] = useState<About>({});
  const [error, setError] = useState<string>();
  const scheme = useColorScheme();

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [csv, meta] = await Promise.all([
          fetch(new URL(RECORDED_CSV, location.href)).then((r) => {
            if (!r.ok) throw new Error(`${RECORDED_CSV}: ${r.status}`);
            return r.text();
          }),
          fetch(new URL(RECORDED_ABOUT, location.href))
            .then((r) => (r.ok ? (r.json() as Promise<About>) : {}))
            .catch(() => ({})),
        ]);
        if (!live) return;
        setPoints(parseCsv(csv).rows.map((row) => rowToPoint(row, 'recorded')));
        setAbout(meta);
      } catch (e) {
        if (live) setError(`The recorded example results could not be loaded: ${(e as Error)?.message ?? String(e)}`);
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  // the scheme is a dependency because themeColors() reads the theme's CSS variables
  const figs = useMemo(() => (points ? sweepFiguresOf(points, 'n', baseline.id, themeColors()) : undefined), [points, scheme]);
  const adapter = about.adapter ?? points?.find((p) => p.adapter)?.adapter;

  return (
    <section className="panel recorded" aria-labelledby="recorded-title" data-testid="recorded-results">
      <h2 id="recorded-title">
        Recorded example results <span className="recorded-badge">recorded, not computed in this browser</span>
      </h2>
      <p className="panel-note">
        What the playground shows when WebGPU is there: time, throughput, memory and error of each variant against exact attention.
        These numbers were measured earlier{adapter ? ` on ${adapter}` : ''}
        {about.date ? ` (${about.date})` : ''}
        {about.command ? (
          <>
            {' '}
            with <code>{about.command}</code>
          </>
        ) : null}
        . {about.note}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {!points && !error && <p className="panel-empty">Loading the recorded results…</p>}
      {figs && figs.count > 0 && (
        <div className="charts">
          <Figure data={figs.timeFig.data} layout={figs.timeFig.layout} title="Recorded time against N" fileName="recorded-time" testId="recorded-time-chart" />
          <Figure data={figs.errFig.data} layout={figs.errFig.layout} title="Recorded error against N" fileName="recorded-error" />
        </div>
      )}
      {points && <PointsByProblem points={points} what="recorded" fileStem="recorded" />}
    </section>
  );
}
