// `npm run cli -- train`: distils a trainable kernel (hedgehog, ffk) against exact softmax
// attention on the GPU (./train) and writes its weights as JSON — how public/kernels/*.json
// are made. Progress on stderr; Ctrl-C stops after the current step and still writes the
// weights. Its usage is HELP_TRAIN (./train/config.ts). It imports nothing of Node: arguments,
// files, output and the GPU come from the CLI's host.
import type { CliHost } from '../types';
import { parseWeights, weightsToJson, archLabel, type TrainableWeights } from './weights';
import { DEFAULT_TRAIN, checkTrainConfig, type TrainConfig, type TrainWorkload } from './train/config';
import { Trainer } from './train/trainer';

/** Node's process, for Ctrl-C (the host gives no signal of its own); absent outside Node. */
interface NodeProcess {
  on(event: 'SIGINT', listener: () => void): void;
  off(event: 'SIGINT', listener: () => void): void;
  exit(code: number): never;
}

const fmt = (x: number, digits = 4) => Number(x.toPrecision(digits)).toString();

/** `train`: usage errors go through host.usage (exit status 2). */
export async function run(args: string[], host: CliHost): Promise<number> {
  const usage: (message: string) => never = (message) => host.usage(message);
  const num = (raw: string | undefined, name: string, dflt: number, integer: boolean): number => {
    if (raw === undefined) return dflt;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) usage(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
    return v;
  };
  const { values } = host.parseArgs(args, {
    kernel: { type: 'string' }, out: { type: 'string' }, d: { type: 'string' }, features: { type: 'string' }, layers: { type: 'string' },
    loss: { type: 'string' }, lr: { type: 'string' }, steps: { type: 'string' }, n: { type: 'string' }, batch: { type: 'string' },
    workload: { type: 'string' }, 'logit-scale': { type: 'string' }, causal: { type: 'boolean' }, seed: { type: 'string' },
    'init-seed': { type: 'string' }, init: { type: 'string' }, 'eval-every': { type: 'string' }, 'eval-batches': { type: 'string' },
    log: { type: 'string' },
  });
  if (!values.kernel) usage('train needs --kernel ffk or --kernel hedgehog');
  if (values.kernel !== 'ffk' && values.kernel !== 'hedgehog') usage(`only the trainable kernels train: --kernel ffk or hedgehog, got "${values.kernel}"`);
  if (!values.out) usage('train needs --out W.json (where the weights go)');
  const d = num(values.d, 'd', DEFAULT_TRAIN.d, true);
  const cfg: TrainConfig = {
    kernel: values.kernel,
    d,
    features: values.kernel === 'hedgehog' ? d : num(values.features, 'features', DEFAULT_TRAIN.features, true),
    layers: values.kernel === 'hedgehog' ? 1 : num(values.layers, 'layers', DEFAULT_TRAIN.layers, true),
    loss: (values.loss ?? DEFAULT_TRAIN.loss) as TrainConfig['loss'],
    lr: num(values.lr, 'lr', DEFAULT_TRAIN.lr, false),
    steps: num(values.steps, 'steps', DEFAULT_TRAIN.steps, true),
    n: num(values.n, 'n', DEFAULT_TRAIN.n, true),
    batch: num(values.batch, 'batch', DEFAULT_TRAIN.batch, true),
    workload: (values.workload ?? DEFAULT_TRAIN.workload) as TrainWorkload,
    logitScale: num(values['logit-scale'], 'logit-scale', DEFAULT_TRAIN.logitScale, false),
    causal: Boolean(values.causal),
    seed: num(values.seed, 'seed', DEFAULT_TRAIN.seed, true),
    initSeed: num(values['init-seed'], 'init-seed', DEFAULT_TRAIN.initSeed, true),
    evalEvery: num(values['eval-every'], 'eval-every', DEFAULT_TRAIN.evalEvery, true),
    evalBatches: num(values['eval-batches'], 'eval-batches', DEFAULT_TRAIN.evalBatches, true),
  };
  if (values.kernel === 'hedgehog' && (values.features || values.layers)) usage('hedgehog has features = d and one layer: drop --features / --layers');
  const errs = checkTrainConfig(cfg);
  if (errs.length) usage(errs.join('; '));
  let init: TrainableWeights | undefined;
  if (values.init) {
    const text = new TextDecoder().decode(host.readFile(values.init, '--init'));
    try {
      init = parseWeights(text, values.init);
    } catch (e) {
      usage((e as Error).message);
    }
  }
  const logRows: string[] = ['kind,step,workload,loss,rel_err'];
  const writeLog = () => values.log && host.writeFile(values.log, logRows.join('\n') + '\n');
  writeLog(); // fail early on an unwritable log path

  const gpu = await host.gpu().get();
  const arch = cfg.kernel === 'hedgehog' ? { kernel: cfg.kernel, d, features: d, layers: 1 } : { kernel: cfg.kernel, d, features: cfg.features, layers: cfg.layers };
  host.stderr(
    `training ${archLabel(arch)} on ${gpu.adapter.description || gpu.adapter.vendor}${gpu.adapter.isFallback ? ' (software adapter: slow)' : ''}: ` +
      `${cfg.steps} steps × ${cfg.batch} sequences of ${cfg.n} tokens, workload ${cfg.workload}, loss ${cfg.loss}, lr ${cfg.lr}\n`,
  );
  const t0 = performance.now();
  const trainer = await gpu.scoped('trainer setup', () => Trainer.create(gpu, cfg, init));
  const ctl = new AbortController();
  const proc = (globalThis as { process?: NodeProcess }).process;
  const onSigint = () => {
    if (ctl.signal.aborted) proc?.exit(130);
    host.stderr('\nstopping after this step (Ctrl-C again to quit without saving)…\n');
    ctl.abort();
  };
  proc?.on('SIGINT', onSigint);
  const command = `npm run cli -- train ${args.join(' ')}`;
  const save = async () => host.writeFile(values.out!, weightsToJson(await trainer.weights({ command, date: new Date().toISOString().slice(0, 10), seconds: Math.round((performance.now() - t0) / 1000) })));
  let lastLine = 0;
  try {
    await trainer.run({
      signal: ctl.signal,
      onStep: (r) => {
        logRows.push(`step,${r.step},${r.workload},${r.loss},${r.relErr}`);
        const now = performance.now();
        if (now - lastLine > 10_000) {
          lastLine = now;
          const el = (now - t0) / 1000;
          const eta = (el / r.step) * (cfg.steps - r.step);
          host.stderr(`  step ${r.step}/${cfg.steps}: batch loss ${fmt(r.loss)}, batch error ${fmt(r.relErr, 3)} (${el.toFixed(0)} s, ETA ${eta.toFixed(0)} s)\n`);
        }
      },
      onEval: (e) => {
        logRows.push(`heldout,${e.step},${cfg.workload},${e.loss},${e.relErr}`);
        writeLog();
        host.stderr(`held-out at step ${e.step}: loss ${fmt(e.loss)}, relative error ${fmt(e.relErr, 3)}\n`);
        if (e.step > 0) save().catch((err) => host.stderr(`warning: checkpoint not written: ${(err as Error).message}\n`)); // a checkpoint at every evaluation
      },
    });
    const last = trainer.evals[trainer.evals.length - 1];
    const per = await trainer.evaluate();
    for (const [w, x] of Object.entries(per.perWorkload)) host.stderr(`  ${w}: loss ${fmt(x.loss)}, relative error ${fmt(x.relErr, 3)}\n`);
    await save();
    writeLog();
    host.stderr(`wrote ${values.out} after ${trainer.step} steps (held-out relative error ${fmt(trainer.evals[0].relErr, 3)} → ${fmt(last.relErr, 3)}) in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    return 0;
  } finally {
    proc?.off('SIGINT', onSigint);
    trainer.destroy();
  }
}
