import { describe, expect, it } from 'vitest';
import { sleep } from './clock.js';
import { runTasks, type Task } from './run-tasks.js';

/** A loop that runs until aborted, recording why it stopped. */
function loop(stops: string[], name: string): Task {
  return async (signal) => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    stops.push(name);
  };
}

describe('runTasks', () => {
  it('resolves when every task resolves', async () => {
    const done: number[] = [];
    await runTasks(
      new AbortController().signal,
      async () => {
        await sleep(5);
        done.push(1);
      },
      () => {
        done.push(2);
        return Promise.resolve();
      },
    );
    expect(done.sort()).toEqual([1, 2]);
  });

  it('first rejection aborts the others, waits for them, and is rethrown', async () => {
    const stops: string[] = [];
    const first = new Error('first');
    let reasonSeen: unknown;
    await expect(
      runTasks(
        new AbortController().signal,
        loop(stops, 'a'),
        async (signal) => {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          reasonSeen = signal.reason;
          stops.push('b');
          throw new Error('second, after abort');
        },
        async () => {
          await sleep(5);
          throw first;
        },
      ),
    ).rejects.toBe(first);
    expect(stops.sort()).toEqual(['a', 'b']);
    expect(reasonSeen).toBe(first);
  });

  it('an early resolve does not stop the others', async () => {
    const controller = new AbortController();
    const stops: string[] = [];
    const running = runTasks(controller.signal, () => Promise.resolve(), loop(stops, 'long'));
    await sleep(10);
    expect(stops).toEqual([]);
    controller.abort();
    await running;
    expect(stops).toEqual(['long']);
  });

  it('outer abort stops every task and resolves, even when tasks reject with the abort', async () => {
    const controller = new AbortController();
    const stops: string[] = [];
    const running = runTasks(
      controller.signal,
      loop(stops, 'a'),
      async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        throw signal.reason;
      },
      async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        throw new DOMException('aborted', 'AbortError');
      },
    );
    controller.abort();
    await expect(running).resolves.toBeUndefined();
    expect(stops).toEqual(['a']);
  });

  it('a real failure during an outer abort is still reported', async () => {
    const controller = new AbortController();
    const failure = new Error('close failed');
    const running = runTasks(controller.signal, async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      throw failure;
    });
    controller.abort();
    await expect(running).rejects.toBe(failure);
  });

  it('an already aborted signal is passed on at once', async () => {
    const controller = new AbortController();
    controller.abort();
    let sawAborted = false;
    await runTasks(controller.signal, (signal) => {
      sawAborted = signal.aborted;
      return Promise.resolve();
    });
    expect(sawAborted).toBe(true);
  });
});

describe('sleep', () => {
  it('resolves true after the delay and false when aborted', async () => {
    expect(await sleep(1)).toBe(true);
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(await sleep(10, controller.signal)).toBe(false);
  });
});
