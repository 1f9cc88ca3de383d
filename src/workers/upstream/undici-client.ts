import { createRequire } from 'node:module';
import type { Client as UndiciClient, buildConnector as undiciBuildConnector } from 'undici';

/**
 * undici's Client, loaded alone: the package's entry also loads fetch, WebSocket, the cache, the mock agent…,
 * and every worker thread pays for it (measured on Node 24: +25 MiB of RSS per thread for the entry, +9 MiB
 * for this file). undici declares no package `exports`, so the file is reachable; a test checks that it is the
 * very class the entry exports, so an undici that moves it fails the tests, not a deploy.
 */
const require = createRequire(import.meta.url);
export const Client = require('undici/lib/dispatcher/client.js') as typeof UndiciClient;
export type Client = UndiciClient;
/** undici's connector factory, from its own file for the same reason (a test checks it is the entry's). */
export const buildConnector = require('undici/lib/core/connect.js') as typeof undiciBuildConnector;
