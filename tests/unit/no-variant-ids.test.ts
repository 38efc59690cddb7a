// Nothing outside a variant's own folder names a variant: the UI, the CLI, the URL, the CSV and
// the runner are generic over the registry (docs/architecture.md "The variant contract"). This
// scans every source file under src/ except the variant folders (src/attention/<folder>/), the
// registry and the baseline reference, and fails listing file:line for every string literal
// ('…', "…", `…` without substitutions, JSX attribute strings, string literal types) exactly
// equal to a registered variant id. The ids come from the registry, not from a list here.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { variants } from '../../src/attention/registry';

const root = resolve(__dirname, '../..');
const src = join(root, 'src');
const attention = join(src, 'attention');
/** files of src/attention that are not a variant's but may name one */
const ALLOWED_FILES = ['registry.ts', 'baseline-reference.ts'].map((f) => join(attention, f));
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/**
 * Literals that spell a variant id but mean an ordinary word, each in one named place: the file,
 * the literal and the declaration it belongs to (the property, variable or parameter name). An
 * entry that no longer matches anything fails too, so the list cannot go stale.
 */
const NOT_A_VARIANT = [
  { file: 'src/params/schema.ts', literal: 'linear', context: 'scale', why: "a slider scale, 'linear' | 'log'" },
  { file: 'src/ui/plots/plot-style.ts', literal: 'linear', context: 'LINEAR_AXIS', why: "Plotly's linear axis type" },
];

/** every variant folder: each directory directly under src/attention/ */
function variantFolders(): string[] {
  return readdirSync(attention)
    .map((name) => join(attention, name))
    .filter((p) => statSync(p).isDirectory());
}

function walk(dir: string, skip: (path: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (skip(p)) continue;
    if (statSync(p).isDirectory()) walk(p, skip, out);
    else if (SOURCE.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

interface Hit {
  file: string;
  line: number;
  id: string;
  text: string;
  /** name of the declaration the literal belongs to (property, variable, parameter), if any */
  context?: string;
}

/** The name of the property, variable or parameter whose value or type the literal is part of. */
function contextOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isPropertySignature(n) || ts.isPropertyAssignment(n) || ts.isPropertyDeclaration(n) || ts.isVariableDeclaration(n) || ts.isParameter(n)) {
      return n.name.getText(sf);
    }
    const transparent = ts.isLiteralTypeNode(n) || ts.isUnionTypeNode(n) || ts.isAsExpression(n) || ts.isParenthesizedExpression(n) || ts.isParenthesizedTypeNode(n);
    if (!transparent) return undefined;
  }
  return undefined;
}

/** String literals in `code` (parsed as TypeScript/TSX) whose value is one of `ids`. */
function findIdLiterals(file: string, code: string, ids: ReadonlySet<string>): Hit[] {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, kind);
  const hits: Hit[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && ids.has(node.text)) {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      hits.push({ file, line: line + 1, id: node.text, text: code.split('\n')[line].trim(), context: contextOf(node, sf) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return hits;
}

describe('no variant ids outside the variant folders', () => {
  const ids = new Set(variants.map((v) => v.id));
  const folders = variantFolders();
  const skip = (p: string) => folders.includes(p) || ALLOWED_FILES.includes(p);

  it('the scanner finds literals of every kind, and only exact matches', () => {
    const id = variants[0].id;
    const code = [
      `const a = '${id}';`,
      `const b = "${id}";`,
      `const c = \`${id}\`;`,
      `type T = '${id}' | 'other';`,
      `const d = <X v="${id}" />;`,
      `const e = '${id}s' + \`\${x}${id}\` + '${id}.m'; // ${id}`,
      `/* '${id}' */ const f = /${id}/;`,
    ].join('\n');
    const hits = findIdLiterals('probe.tsx', code, ids);
    expect(hits.map((h) => h.line)).toEqual([1, 2, 3, 4, 5]);
    expect(hits.every((h) => h.id === id)).toBe(true);
    expect(hits.map((h) => h.context)).toEqual(['a', 'b', 'c', undefined, undefined]);
    expect(findIdLiterals('probe.ts', `interface S { scale?: '${id}' | 'log' }\nconst K = '${id}' as const;`, ids).map((h) => h.context)).toEqual(['scale', 'K']);
  });

  it('the scan covers the shared layers and skips only the variant folders, the registry and the baseline reference', () => {
    const files = walk(src, skip).map((f) => relative(root, f).split(sep).join('/'));
    expect(files.length).toBeGreaterThan(20);
    for (const layer of ['src/gpu/', 'src/bench/', 'src/state/', 'src/ui/', 'src/cli/']) {
      expect(files.some((f) => f.startsWith(layer)), layer).toBe(true);
    }
    expect(files).not.toContain('src/attention/registry.ts');
    expect(files).toContain('src/attention/types.ts');
    expect(folders.length).toBeGreaterThan(0);
  });

  it('no source file outside them has a string literal equal to a variant id', () => {
    const rel = (f: string) => relative(root, f).split(sep).join('/');
    const all = walk(src, skip).flatMap((f) => findIdLiterals(f, readFileSync(f, 'utf8'), ids));
    const excused = (h: Hit) => NOT_A_VARIANT.some((x) => x.file === rel(h.file) && x.literal === h.id && x.context === h.context);
    const hits = all.filter((h) => !excused(h));
    // only entries whose literal is still a registered id can go stale
    const stale = NOT_A_VARIANT.filter((x) => ids.has(x.literal) && !all.some((h) => excused(h) && rel(h.file) === x.file && h.context === x.context));
    expect(stale, 'entries of NOT_A_VARIANT that match nothing any more').toEqual([]);
    const listing = hits.map((h) => `${rel(h.file)}:${h.line}: '${h.id}'  ${h.text.length > 100 ? `${h.text.slice(0, 100)}…` : h.text}`);
    expect(listing, `variant ids named outside src/attention/<variant>/ (${hits.length}):\n${listing.join('\n')}\n`).toEqual([]);
  });
});
