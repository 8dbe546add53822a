/**
 * The runtime view of a device's configuration: what registration and the driver need, resolved
 * from sccp.conf (lines in instance order, speed dials, time settings).
 */

/** A line as a device shows it. */
export interface LineSettings {
  readonly name: string;
  readonly cidNum: string;
  readonly cidName: string;
  readonly label: string;
  readonly context: string;
}

/** A speed dial button. */
export interface SpeedDialSettings {
  readonly number: string;
  readonly label: string;
  readonly blf: boolean;
}

/** Everything registration needs about one device. */
export interface DeviceSettings {
  readonly name: string;
  /** Configured model name, when the administrator gave one (checked against Register). */
  readonly model: string | undefined;
  readonly lines: readonly LineSettings[];
  readonly speedDials: readonly SpeedDialSettings[];
  readonly voicemail: string | undefined;
  readonly dateformat: string;
  readonly timezone: string | undefined;
  readonly keepalive: number;
  readonly guest: boolean;
  /** Changes whenever anything that the phone shows changes; `reload` resets on a change. */
  readonly fingerprint: string;
}
