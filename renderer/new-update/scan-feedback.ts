/**
 * What a person at a scanner notices without looking at the list: a short tone (Web Audio,
 * no sound file to ship or load) and a flash of the box, high and green for a queued scan,
 * low and red for a refused one.
 */
export type Tone = 'ok' | 'error';

let audio: AudioContext | null = null;

const TONES: Record<Tone, { frequency: number; type: OscillatorType; seconds: number }> = {
  ok: { frequency: 1320, type: 'sine', seconds: 0.07 },
  error: { frequency: 220, type: 'square', seconds: 0.25 },
};

export function beep(tone: Tone): void {
  try {
    audio ??= new AudioContext();
    // A page may only make sound after a person acted on it; a keystroke is such an act.
    if (audio.state === 'suspended') void audio.resume().catch(() => {});
    const { frequency, type, seconds } = TONES[tone];
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = frequency;
    const now = audio.currentTime;
    gain.gain.setValueAtTime(0.06, now);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + seconds);
    osc.connect(gain).connect(audio.destination);
    osc.start(now);
    osc.stop(now + seconds);
  } catch {
    // No audio device, or audio is blocked: the flash and the list still say it.
  }
}

/** A flash of the box's outline through the Web Animations API (allowed by the CSP, unlike inline styles). */
export function flash(el: HTMLElement | null, tone: Tone): void {
  if (!el || typeof el.animate !== 'function') return;
  const colour = tone === 'ok' ? 'var(--ok)' : 'var(--danger)';
  el.animate([{ boxShadow: `0 0 0 4px ${colour}` }, { boxShadow: '0 0 0 0 transparent' }], { duration: tone === 'ok' ? 350 : 700, easing: 'ease-out' });
}

const SOUND_KEY = 'outbox.scanSound';

export function readSoundOn(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}

export function storeSoundOn(on: boolean): void {
  try {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
}
