#!/usr/bin/env node
import { readCommandLine } from './command-line.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startDemoOrigin, type DemoOrigin } from './demo-origin.js';
import { createLogger } from '../shared/logger.js';
import { startProxy } from './proxy.js';
import { serverSlots } from '../pool/server-slots.js';
import { checkConfigFiles } from './config-files.js';

/** Entry point: validate ATOM_* variables, start the demo origin if no upstream is set, start the proxy. */
async function main(): Promise<void> {
  const commandLine = readCommandLine(process.argv.slice(2));
  if (!commandLine.run) {
    (commandLine.code === 0 ? process.stdout : process.stderr).write(commandLine.text);
    process.exit(commandLine.code);
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
    checkConfigFiles(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`atomproxy: ${error.message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  if (!config.upstream.tls.verify) log.warn('ATOM_UPSTREAM_TLS_VERIFY=0: https:// upstreams are not verified; anyone on the path can impersonate them');

  let demo: DemoOrigin | null = null;
  if (config.upstreams.length === 0) {
    demo = await startDemoOrigin();
    config.upstreams = [demo.url];
    config.upstream.weights = [1];
    config.servers = serverSlots(config.upstreams, config.upstream.weights, 1);
    log.info({ demo: demo.url }, 'ATOM_UPSTREAMS is empty: proxying to the built-in demo origin; set ATOM_UPSTREAMS=http://host:port[,…] to proxy real servers');
  }

  const proxy = await startProxy(config, log);
  log.info({ port: proxy.port, tlsPort: proxy.tlsPort, adminPort: proxy.adminPort, engine: proxy.engine, threads: config.workers, accepting: proxy.accepting, config }, `atomproxy listening on http://${config.host}:${proxy.port}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight requests');
    void proxy
      .close()
      .then(() => demo?.close())
      .then(() => {
        log.info('stopped');
        process.exit(0);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  process.stderr.write(`atomproxy: failed to start: ${error.message}\n`);
  process.exit(1);
});
