import {
  makeNode, memory, pushBody, startSyncWorld, startTestGateway, type TestGateway,
} from '/work/main/test/integration/sync-fixtures.js';
const writes = Number(process.env.W ?? 3000), conc = 64, n = Number(process.env.N ?? 3);
const world = await startSyncWorld();
const gws: TestGateway[] = [];
for (let i = 0; i < n; i++) gws.push(await startTestGateway(world, makeNode(world, `g-${i}`), { quorum: 2, timeoutMs: 5000 }));
let next = 0; const lat: number[] = []; let missed = 0;
const t0 = performance.now(); const c0 = process.cpuUsage();
await Promise.all(Array.from({ length: conc }, async () => {
  while (next < writes) { const i = next++; const t = performance.now();
    const o = await gws[i % n]!.engine.push(pushBody('b', [memory(`w-${i}`, new Date().toISOString())]) as never, { peerId: 'b', verified: true });
    if (o.kind !== 'quorum_met') missed++; lat.push(performance.now() - t); }
}));
const ms = performance.now() - t0; const cu = process.cpuUsage(c0); lat.sort((a, b) => a - b);
console.log(JSON.stringify({ perS: writes / ms * 1000, p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)], missed, cpuUsPerWrite: (cu.user + cu.system) / writes }));
for (const g of gws) await g.close();
await world.close();
