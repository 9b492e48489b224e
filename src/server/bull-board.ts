import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

export interface BullBoardOptions {
  /** Where the router is mounted; Bull Board's page builds its links and API calls from it. */
  basePath: string;
  /** No retry, clean, pause, add or obliterate buttons: anyone who can reach the page only looks. */
  readOnly: boolean;
  /** BullMQ key prefix, shown beside the queue name. */
  queuePrefix: string;
}

/** Bull Board over the asset queue, as an express router to mount at `basePath`. */
export function bullBoardRouter(queue: Queue, options: BullBoardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    queues: [
      new BullMQAdapter(queue, {
        readOnlyMode: options.readOnly,
        description: `one job per asset of a run (BullMQ prefix "${options.queuePrefix}")`,
      }),
    ],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Strata queues',
        miscLinks: [{ text: 'Asset graph', url: '/' }],
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
