import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageOf, type Frame } from './stages.js';

/** The parts of V8's .cpuprofile format used here (timestamps in µs of the monotonic clock). */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: Frame; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** CPU time in µs inside [fromUs, toUs], by stage and by function ("name url"), over every profile in `dir`. */
export interface Attribution {
  byStage: Map<string, number>;
  byFunction: Map<string, { stage: string; micros: number }>;
  threads: number;
}

function add<K>(map: Map<K, number>, key: K, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

/** Reads every .cpuprofile in `dir` (one per thread: the main thread and each worker write their own). */
export function attribute(dir: string, fromUs: number, toUs: number): Attribution {
  const result: Attribution = { byStage: new Map(), byFunction: new Map(), threads: 0 };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    result.threads++;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const stageById = new Map<number, string>();
    const stageOfNode = (id: number) => {
      let stage = stageById.get(id);
      if (stage === undefined) {
        const stack: Frame[] = [];
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
        stageById.set(id, (stage = stageOf(stack)));
      }
      return stage;
    };
    // A sample stands for the time until the next one.
    let time = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      time += profile.timeDeltas[i]!;
      const micros = profile.timeDeltas[i + 1] ?? 0;
      if (time < fromUs || time > toUs) continue;
      const id = profile.samples[i]!;
      const stage = stageOfNode(id);
      add(result.byStage, stage, micros);
      const { functionName, url } = byId.get(id)!.callFrame;
      const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '')}`.trim();
      const entry = result.byFunction.get(key) ?? { stage, micros: 0 };
      entry.micros += micros;
      result.byFunction.set(key, entry);
    }
  }
  return result;
}
