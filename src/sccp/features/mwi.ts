/**
 * Message waiting (sccp-flows.md §1.2, §15): the voicemail lamp SetLamp(0x0F, 0, on|off) of
 * every phone with a line whose `mailbox` has messages; set through the driver's `setMwi`
 * (a voicemail system, a console command) and pushed again after each registration.
 */
import type { SccpDevice } from "../device.ts";
import type { DriverContext } from "../driver-context.ts";
import { mailboxKey } from "../line.ts";
import { sendMwiLamp } from "../phone-ui.ts";

/** Message-waiting state by mailbox. */
export class MwiState {
  private readonly waiting = new Map<string, boolean>();

  constructor(private readonly ctx: DriverContext) {}

  /** Records a mailbox's state and updates the lamps of the phones that show it. */
  set(mailbox: string, waiting: boolean): void {
    const box = mailboxKey(mailbox);
    this.waiting.set(box, waiting);
    for (const dc of this.ctx.allCalls()) {
      const device = dc.device;
      if (device.state === "registered" && this.boxesOf(device).includes(box)) this.push(device);
    }
  }

  /** Whether a mailbox has messages. */
  get(mailbox: string): boolean {
    return this.waiting.get(mailboxKey(mailbox)) ?? false;
  }

  /** Sends the lamp of a phone that has a mailbox on one of its lines. */
  push(device: SccpDevice): void {
    const boxes = this.boxesOf(device);
    if (boxes.length === 0) return;
    sendMwiLamp(
      device,
      boxes.some((b) => this.waiting.get(b) === true),
    );
  }

  private boxesOf(device: SccpDevice): string[] {
    const out: string[] = [];
    for (let i = 1; i <= device.settings.lines.length; i++) {
      const box = this.ctx.lines.lineOf(device, i)?.mailbox;
      if (box !== undefined) out.push(mailboxKey(box));
    }
    return out;
  }
}
