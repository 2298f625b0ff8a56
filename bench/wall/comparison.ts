/**
 * The wall bench's two comparison runs in the same browser: `bare` (one page decoding N streams with no
 * UI, through the console's own prepare/sign path) and `baseline` (one page per channel, the KVS SDK
 * test page's way: every open describes the channel, resolves its endpoints and asks for ICE servers
 * afresh, and the SignalingClient runs with default settings).
 */
import {
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Core } from '../../src-main/core/app';
import type { LocalDemoInfo } from '../../src-main/core/credentials';
import { presignConnectUrl } from '../../src-main/core/kvs/presign';
import type { StreamReport } from './page';

const APP_SENDER = { url: 'app://watchfloor/index.html', isTopFrame: true };

/** What a comparison page reports once its streams ran. */
export interface PageRun {
  context: BrowserContext;
  pages: Page[];
  reports(): Promise<StreamReport[]>;
}

async function routerOk(core: Core, channel: string, req: unknown): Promise<Record<string, unknown>> {
  const reply = (await core.router.handle(channel, APP_SENDER, req)) as
    { ok: true; value: Record<string, unknown> } | { ok: false; error: { message: string } };
  if (!reply.ok) throw new Error(`${channel}: ${reply.error.message}`);
  return reply.value;
}

/** One page, `arns.length` streams, the console's prepare/sign path (main's caches and pacing). */
export async function openBare(browser: Browser, url: string, core: Core, arns: string[]): Promise<PageRun> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 960 } });
  const page = await context.newPage();
  await page.exposeFunction('benchPrepare', async (channelArn: string, index: number) => {
    const prep = await routerOk(core, 'kvs:prepareViewer', { channelArn, tileId: `bare-${index}` });
    const endpoints = prep.endpoints as { wss: string };
    return { wss: endpoints.wss, region: prep.region, clientId: prep.clientId, iceServers: prep.iceServers };
  });
  await page.exposeFunction(
    'benchSign',
    async (
      channelArn: string,
      index: number,
      endpoint: string,
      queryParams: Record<string, string>,
      date: number,
    ) =>
      (
        await routerOk(core, 'kvs:signConnectUrl', {
          channelArn,
          tileId: `bare-${index}`,
          endpoint,
          queryParams,
          signingDate: date,
        })
      ).url,
  );
  await page.goto(url);
  await page.evaluate((list) => window.benchOpen(list, { stamps: false, videoWidth: 160 }), arns);
  return { context, pages: [page], reports: () => page.evaluate(() => window.benchReport()) };
}

/** One page per channel, each preparing uncached and signing as the SDK's test page would. */
export async function openBaseline(
  browser: Browser,
  url: string,
  info: LocalDemoInfo,
  arns: string[],
): Promise<PageRun & { close(): void }> {
  const credentials = {
    accessKeyId: info.accessKeyId,
    secretAccessKey: info.secretAccessKey,
    ...(info.sessionToken ? { sessionToken: info.sessionToken } : {}),
  };
  const kv = new KinesisVideoClient({ region: info.region, endpoint: info.endpoint, credentials });
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  await context.exposeFunction('benchPrepare', async (channelArn: string) => {
    const described = await kv.send(new DescribeSignalingChannelCommand({ ChannelARN: channelArn }));
    const { ResourceEndpointList = [] } = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: described.ChannelInfo?.ChannelARN ?? channelArn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'VIEWER' },
      }),
    );
    const endpoint = (p: string) =>
      ResourceEndpointList.find((e) => e.Protocol === p)?.ResourceEndpoint ?? '';
    const clientId = `baseline-${Math.random().toString(36).slice(2, 12)}`;
    const sig = new KinesisVideoSignalingClient({
      region: info.region,
      endpoint: endpoint('HTTPS'),
      credentials,
    });
    try {
      const ice = await sig.send(
        new GetIceServerConfigCommand({ ChannelARN: channelArn, ClientId: clientId }),
      );
      const iceServers = (ice.IceServerList ?? []).map((s) => ({
        urls: s.Uris ?? [],
        username: s.Username,
        credential: s.Password,
      }));
      return { wss: endpoint('WSS'), region: info.region, clientId, iceServers };
    } finally {
      sig.destroy();
    }
  });
  await context.exposeFunction(
    'benchSign',
    (_arn: string, _i: number, endpoint: string, queryParams: Record<string, string>, date: number) =>
      presignConnectUrl({
        endpoint,
        queryParams,
        region: info.region,
        credentials: () => Promise.resolve(credentials),
        signingDate: new Date(date),
      }),
  );
  const pages: Page[] = [];
  for (let i = 0; i < arns.length; i++) {
    const page = await context.newPage();
    await page.goto(url);
    pages.push(page);
  }
  await Promise.all(
    pages.map((page, i) =>
      page.evaluate((one) => window.benchOpen([one], { stamps: false, videoWidth: 640 }), arns[i]!),
    ),
  );
  return {
    context,
    pages,
    reports: async () => (await Promise.all(pages.map((p) => p.evaluate(() => window.benchReport())))).flat(),
    close: () => kv.destroy(),
  };
}
