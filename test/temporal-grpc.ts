/**
 * A stand-in Temporal frontend for tests: a gRPC server on a free 127.0.0.1
 * port that answers the WorkflowService methods a test gives (GetSystemInfo
 * always) with the SDK's own protobuf messages, and records each request.
 * gRPC is the Temporal client's own dependency, resolved through it.
 */
import { createRequire } from 'node:module';
import { temporal } from '@temporalio/proto';

const grpc = createRequire(createRequire(import.meta.url).resolve('@temporalio/client'))('@grpc/grpc-js') as typeof import('@grpc/grpc-js');

const service = temporal.api.workflowservice.v1 as unknown as Record<string, { encode(m: object): { finish(): Uint8Array }; decode(b: Uint8Array): object }>;

/** A method's answer: a response object, or a gRPC error ({ code, details }). */
export type Answer = (request: any) => object | { grpcError: { code: number; details: string } };

export interface StandIn {
  address: string;
  /** The requests each method received, decoded. */
  requests: Record<string, any[]>;
  stop(): void;
}

/** Start a stand-in frontend whose GetSystemInfo reports `serverVersion`, with the given other methods. */
export async function standInFrontend(serverVersion: string, methods: Record<string, Answer> = {}): Promise<StandIn> {
  const all: Record<string, Answer> = { GetSystemInfo: () => ({ serverVersion, capabilities: {} }), ...methods };
  const server = new grpc.Server();
  const requests: Record<string, any[]> = {};
  const definition: Record<string, object> = {};
  const handlers: Record<string, (call: { request: object }, reply: (err: unknown, res?: object) => void) => void> = {};
  for (const [name, answer] of Object.entries(all)) {
    const Request = service[`${name}Request`]!;
    const Response = service[`${name}Response`]!;
    const key = name[0]!.toLowerCase() + name.slice(1);
    definition[key] = {
      path: `/temporal.api.workflowservice.v1.WorkflowService/${name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: object) => Buffer.from(Request.encode(m).finish()),
      requestDeserialize: (b: Buffer) => Request.decode(b),
      responseSerialize: (m: object) => Buffer.from(Response.encode(m).finish()),
      responseDeserialize: (b: Buffer) => Response.decode(b),
    };
    handlers[key] = (call, reply) => {
      (requests[name] ??= []).push(call.request);
      const r = answer(call.request) as { grpcError?: { code: number; details: string } };
      if (r.grpcError) reply({ code: r.grpcError.code, details: r.grpcError.details });
      else reply(null, r);
    };
  }
  server.addService(definition as never, handlers as never);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { address: `127.0.0.1:${port}`, requests, stop: () => server.forceShutdown() };
}

/** gRPC status codes used by the tests. */
export const GRPC_ALREADY_EXISTS = 6;
