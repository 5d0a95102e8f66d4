import type { AgentEvent } from '../core/events.js';

/** A piece of a command's streamed output: the command's id and the text (bytes as latin1 where the backend streams bytes). */
export interface OutputPiece {
  readonly id: string;
  readonly text: string;
}

/**
 * What a command printed, also when its end does not say. Codex sometimes reports a command's end
 * with its output empty (app-server: `aggregatedOutput` null or empty; mcp-server: an
 * `exec_command_end` without `aggregated_output`) although it streamed the output in pieces, and
 * sometimes streams some of it after the end. A command's end gets the streamed text when its own
 * is empty; text streamed after the end is kept and comes as one `command-output` event per
 * command when the turn ends (whole, so a secret cut between two pieces is still redacted as one).
 * What the output says matters beyond the log: the sandbox's denials are read from it. One per turn.
 */
export class CommandOutputs {
  private readonly streamed = new Map<string, string>();
  /** Commands whose end was passed on, with their command text. */
  private readonly ended = new Map<string, string>();
  private readonly late = new Map<string, string>();

  /** `decode`: the joined pieces as text (bytes held as latin1 → UTF-8). */
  constructor(private readonly decode: (joined: string) => string = (text) => text) {}

  /** The event to pass on for a message that carried `piece` (if any) and maps to `event`. */
  amend(piece: OutputPiece | undefined, event: AgentEvent | null): AgentEvent | null {
    if (piece !== undefined) {
      const into = this.ended.has(piece.id) ? this.late : this.streamed;
      into.set(piece.id, (into.get(piece.id) ?? '') + piece.text);
      return event;
    }
    if (event?.type !== 'command-end') return event;
    const streamed = this.streamed.get(event.id) ?? '';
    this.streamed.delete(event.id);
    this.ended.set(event.id, event.command);
    return event.output === '' && streamed !== '' ? { ...event, output: this.decode(streamed) } : event;
  }

  /** Tells what was streamed after its command's end, one event per command, once; the raw message names the command (its text is in the event). */
  tellLate(onEvent: (event: AgentEvent, raw: unknown) => void): void {
    for (const [id, text] of this.late) {
      if (text) onEvent({ type: 'command-output', id, command: this.ended.get(id) ?? '', output: this.decode(text) }, { method: 'codex-orchestrator/commandOutputAfterEnd', params: { itemId: id } });
    }
    this.late.clear();
  }
}
