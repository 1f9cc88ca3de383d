/**
 * Turns what a uWS build's loader threw or printed into a short cause an operator can act on. The builds wrap the
 * real error in paragraphs of their own (20.57) or print it before falling back (20.30).
 */
export function whyUwsDidNotLoad(text: string): string {
  if (text.includes('UWS_USE_FALLBACK')) return 'UWS_USE_FALLBACK is set';
  const glibc = /`(GLIBC_[\d.]+)' not found/.exec(text);
  if (glibc) return `${glibc[1]} not found: this system has glibc ${runtimeGlibc() ?? 'of an older version, or none'}`;
  if (/ERR_DLOPEN_DISABLED|loading addons is disabled/.test(text)) return 'native addons are disabled (--no-addons)';
  const missing = /Cannot find module '[^']*uws_[^']*_(\d+)\.node'/.exec(text);
  if (missing) return `no binary for ${process.platform}-${process.arch}, Node ABI ${missing[1]}`;
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.at(-1) ?? 'no reason given';
}

function runtimeGlibc(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}
