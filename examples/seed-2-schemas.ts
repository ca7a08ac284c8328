// Seed example 2: an operation and a flow schema.
import { execute, flowSchema, taskableOperation } from 'mazepa';

const greet = taskableOperation(function greet(name: string): void {
  console.log(`Hello ${name}!`);
});

const greetMany = flowSchema(function* greetMany(names: string[]) {
  yield names.map((name) => greet.makeTask(name));
});

export async function main(): Promise<void> {
  await execute(greetMany(['Albert', 'Isaac']), { showProgress: false });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
