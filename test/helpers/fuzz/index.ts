/**
 * The kvs-local fuzz suite's building blocks (test/integration/fuzzHttp.test.ts, fuzzSignaling.test.ts).
 * Every generator draws only from the PRNG it is given, so a seed reproduces the same inputs.
 *
 *  prng            seeded PRNG and the run's independent streams
 *  values          random values and JSON helpers
 *  operations      every kvs-local route with a body it accepts
 *  bodyMutations   request bodies broken one way at a time
 *  httpCases       one HTTP case: operation, body, auth mode, method, path, headers
 *  httpSigning     SigV4 header auth by an independent signer, then broken as the case says
 *  httpRunner      sending the cases and tallying the replies
 *  signalingCases  signaling frames, valid and broken
 *  expectations    the oracles: allowed replies, frame verdicts, server frames, refusals
 *  handshake       connect URLs and WebSocket upgrade attempts
 *  instances       the two kvs-local instances and their fixtures
 *  healthyPair     the master/viewer pair that must keep working throughout
 *  fuzzSocket      a fuzzing connection and the channels (groups) they sit on
 *  signalingRunner sending frames, draining, and judging what arrived
 *  upgradeCases    bad upgrades and the connect flood
 *  abuse           protocol abuse on throwaway connections
 *  report          problems, tallies and the printed table
 *  suite           the shared beforeAll/afterAll, settings and the closing survivors check
 */
export * from './abuse';
export * from './async';
export * from './bodyMutations';
export * from './expectations';
export * from './fuzzSocket';
export * from './handshake';
export * from './healthyPair';
export * from './httpCases';
export * from './httpRunner';
export * from './httpSigning';
export * from './instances';
export * from './operations';
export * from './prng';
export * from './report';
export * from './signalingCases';
export * from './signalingRunner';
export * from './suite';
export * from './upgradeCases';
export * from './values';
