// Seed example 3: class operations and class flow schemas, with TC39 decorators.
/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type --
   merging an interface into a decorated class is how TypeScript learns what the decorator adds. */
import {
  execute,
  flowSchemaCls,
  taskableOperationCls,
  type FlowGenerator,
  type FlowSchemaInstance,
  type TaskableInstance,
} from 'mazepa';

@taskableOperationCls
class GreetOperation {
  constructor(readonly greeting = 'Hi') {}

  call(name: string): void {
    console.log(`${this.greeting} ${name}!`);
  }
}
// Decorators cannot change a class's type: this line tells TypeScript about `makeTask`.
interface GreetOperation extends TaskableInstance<Pick<GreetOperation, 'call'>> {}

@flowSchemaCls
class GreetFlowSchema {
  constructor(readonly operation = new GreetOperation()) {}

  *flow(names: string[]): FlowGenerator {
    yield names.map((name) => this.operation.makeTask(name));
  }
}
interface GreetFlowSchema extends FlowSchemaInstance<Pick<GreetFlowSchema, 'flow'>> {}

export async function main(): Promise<void> {
  const schema = new GreetFlowSchema();
  await execute(schema.makeFlow(['Albert', 'Isaac']), { showProgress: false });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
