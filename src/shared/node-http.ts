import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';
import type * as NodeHttps from 'node:https';

const require = createRequire(import.meta.url);

/**
 * node:http, loaded with require. On Node 24 an ESM import of it builds the module namespace, which reads its
 * lazy WebSocket getters and so loads Node's bundled undici: 7.5 MiB more RSS in every thread that imports it
 * (measured with two worker threads; docs/benchmarks.md). Import only types from 'node:http' elsewhere.
 */
export const http: typeof NodeHttp = require('node:http');
/** node:https, loaded the same way as node:http for the same reason. */
export const https: typeof NodeHttps = require('node:https');
