import type { SignalingBroker } from '../signaling';
import { kvsErrors } from '../errors';
import type { Operation } from './context';
import { reqStr } from './input';

const SIGNALING_ARN = /^arn:aws:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;

/**
 * SendAlexaOfferToMaster (`POST <HTTPS endpoint>/v1/send-alexa-offer-to-master`, kvs-reference.md §2):
 * the offer reaches the master as an SDP_OFFER from SenderClientId and the HTTP reply carries its answer.
 * Waits at most the channel's MessageTtlSeconds for it.
 */
export function sendAlexaOfferOperation(broker: SignalingBroker): Operation {
  return async (body, ctx) => {
    const arn = reqStr(body, 'ChannelARN', { min: 1, max: 1024, pattern: SIGNALING_ARN });
    const sender = reqStr(body, 'SenderClientId', { min: 1, max: 256, pattern: /^[a-zA-Z0-9_.-]+$/ });
    const payload = reqStr(body, 'MessagePayload', { min: 1, max: 10000, pattern: /^[a-zA-Z0-9+/=]+$/ });
    const channel = ctx.store.channelByArn(arn);
    if (!channel || channel.status !== 'ACTIVE') throw kvsErrors.resourceNotFound();
    const answer = await broker.offerToMasterOverHttp(arn, sender, payload, channel.messageTtlSeconds * 1000);
    return { Answer: answer };
  };
}
