/**
 * Hand-built Temporal histories in the JSON form `temporal workflow show
 * --output json` prints (events numbered as they are added, payloads as
 * json/plain), for replays in the real workflow sandbox without a server.
 */
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
export const payloads = (...values: unknown[]) => ({ payloads: values.map((v) => ({ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(v)) })) });

/** Events of a history in the JSON form the CLI exports, numbered as they are added. */
export class HistoryBuilder {
  readonly events: object[] = [];
  at: string;
  constructor(at: string) {
    this.at = at;
  }
  private add(type: string, attributes: object): string {
    const eventId = String(this.events.length + 1);
    const key = `${type.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}EventAttributes`;
    this.events.push({ eventId, eventTime: this.at, eventType: `EVENT_TYPE_${type}`, [key]: attributes });
    return eventId;
  }
  started(input: unknown): void {
    this.add('WORKFLOW_EXECUTION_STARTED', { workflowType: { name: 'schoolPathway' }, taskQueue: { name: 'mastery-pathway' }, input: payloads(input), workflowTaskTimeout: '10s', originalExecutionRunId: 'run-1', firstExecutionRunId: 'run-1', attempt: 1 });
  }
  /** A workflow task scheduled and started; returns what its completion refers to. */
  task(): { scheduled: string; started: string } {
    const scheduled = this.add('WORKFLOW_TASK_SCHEDULED', { taskQueue: { name: 'mastery-pathway' }, startToCloseTimeout: '10s', attempt: 1 });
    const started = this.add('WORKFLOW_TASK_STARTED', { scheduledEventId: scheduled, identity: 'test', requestId: `req-${scheduled}` });
    return { scheduled, started };
  }
  completed(t: { scheduled: string; started: string }): string {
    return this.add('WORKFLOW_TASK_COMPLETED', { scheduledEventId: t.scheduled, startedEventId: t.started, identity: 'test' });
  }
  activity(completedId: string, activityId: string, type: string, args: unknown[], result: unknown): void {
    const scheduled = this.add('ACTIVITY_TASK_SCHEDULED', { activityId, activityType: { name: type }, taskQueue: { name: 'mastery-pathway' }, input: payloads(...args), startToCloseTimeout: '30s', workflowTaskCompletedEventId: completedId });
    const started = this.add('ACTIVITY_TASK_STARTED', { scheduledEventId: scheduled, identity: 'test', requestId: `act-${scheduled}`, attempt: 1 });
    this.add('ACTIVITY_TASK_COMPLETED', { result: payloads(result), scheduledEventId: scheduled, startedEventId: started, identity: 'test' });
  }
  activityScheduled(completedId: string, activityId: string, type: string, args: unknown[]): string {
    return this.add('ACTIVITY_TASK_SCHEDULED', { activityId, activityType: { name: type }, taskQueue: { name: 'mastery-pathway' }, input: payloads(...args), startToCloseTimeout: '600s', heartbeatTimeout: '60s', workflowTaskCompletedEventId: completedId });
  }
  activityDone(scheduled: string, result: unknown): void {
    const started = this.add('ACTIVITY_TASK_STARTED', { scheduledEventId: scheduled, identity: 'test', requestId: `act-${scheduled}`, attempt: 1 });
    this.add('ACTIVITY_TASK_COMPLETED', { result: payloads(result), scheduledEventId: scheduled, startedEventId: started, identity: 'test' });
  }
  upserted(completedId: string): void {
    this.add('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', { workflowTaskCompletedEventId: completedId, searchAttributes: { indexedFields: {} } });
  }
  timerStarted(completedId: string, timerId: string, seconds: number): string {
    return this.add('TIMER_STARTED', { timerId, startToFireTimeout: `${seconds}s`, workflowTaskCompletedEventId: completedId });
  }
  timerFired(startedId: string, timerId: string): void {
    this.add('TIMER_FIRED', { timerId, startedEventId: startedId });
  }
  /** An update the workflow accepted, with the request history keeps; returns the accepted event's id. */
  updateAccepted(updateId: string, name: string, args: unknown[], sequencingEventId: string): string {
    return this.add('WORKFLOW_EXECUTION_UPDATE_ACCEPTED', {
      protocolInstanceId: updateId,
      acceptedRequestMessageId: `${updateId}/request`,
      acceptedRequestSequencingEventId: sequencingEventId,
      acceptedRequest: { meta: { updateId, identity: 'test' }, input: { name, args: payloads(...args) } },
    });
  }
  updateCompleted(updateId: string, acceptedId: string, result: unknown): void {
    this.add('WORKFLOW_EXECUTION_UPDATE_COMPLETED', { meta: { updateId, identity: 'test' }, acceptedEventId: acceptedId, outcome: { success: payloads(result) } });
  }
  timerCancelled(startedId: string, timerId: string, completedId: string): void {
    this.add('TIMER_CANCELED', { timerId, startedEventId: startedId, workflowTaskCompletedEventId: completedId, identity: 'test' });
  }
  workflowCompleted(completedId: string): void {
    this.add('WORKFLOW_EXECUTION_COMPLETED', { result: payloads(null), workflowTaskCompletedEventId: completedId });
  }
  continuedAsNew(completedId: string, input: unknown): void {
    this.add('WORKFLOW_EXECUTION_CONTINUED_AS_NEW', { newExecutionRunId: 'run-2', workflowType: { name: 'schoolPathway' }, taskQueue: { name: 'mastery-pathway' }, input: payloads(input), workflowTaskTimeout: '10s', workflowTaskCompletedEventId: completedId, initiator: 'CONTINUE_AS_NEW_INITIATOR_WORKFLOW' });
  }
}
