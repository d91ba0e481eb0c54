import { benchEnqueue } from './enqueue.ts';
console.log(JSON.stringify(benchEnqueue(Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 100000)), null, 1));
