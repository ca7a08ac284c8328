// Seed example 1: plain tasks in a plain flow.
import { Flow, Task, execute, type FlowGenerator } from 'mazepa';

function greet(name: string): void {
  console.log(`Hello ${name}!`);
}

function* greetMany(): FlowGenerator {
  yield new Task({ fn: greet, args: ['Albert'] });
  yield new Task({ fn: greet, args: ['Isaac'] });
}

export async function main(): Promise<void> {
  await execute(new Flow(greetMany), { showProgress: false });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
