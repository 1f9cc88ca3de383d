import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport } from './bench-report.js';
import { renderMarkdown } from './markdown.js';
import { renderSvg } from './svg.js';

/** Writes <date>.json, <date>.md and <date>.svg into `dir`; returns the markdown and the paths. */
export function writeResults(report: BenchReport, dir: string): { markdown: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, report.date.slice(0, 19).replace(/:/g, '-'));
  const markdown = renderMarkdown(report);
  const files = [`${stem}.json`, `${stem}.md`, `${stem}.svg`];
  writeFileSync(files[0]!, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(files[1]!, markdown);
  writeFileSync(files[2]!, renderSvg(report));
  return { markdown, files };
}
