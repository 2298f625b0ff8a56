/** Attachments ({@attach}) that connect a tile's <video> to its session, and the PNG snapshot. */
import type { Attachment } from 'svelte/attachments';

/** Binds `stream` as the video's srcObject and starts playback; `onBlocked` when autoplay with sound is refused. */
export function playStream(stream: MediaStream | null, onBlocked: () => void): Attachment<HTMLVideoElement> {
  return (video) => {
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream) {
      video.play().catch((error: unknown) => {
        // Chromium refuses unmuted autoplay without a user gesture (Electron allows it): play muted, and
        // let the operator unmute with a click.
        if (error instanceof DOMException && error.name === 'NotAllowedError') {
          video.muted = true;
          onBlocked();
          video.play().catch(() => {});
        }
      });
    }
    return () => {
      video.srcObject = null;
    };
  };
}

/** Applies the tile's volume and mute (incl. talk-back's half duplex and ducking). */
export function audioOutput(volume: number, muted: boolean): Attachment<HTMLMediaElement> {
  return (media) => {
    media.volume = Math.min(1, Math.max(0, volume));
    media.muted = muted;
  };
}

/** Reports whether the element is on screen (scrolled out, covered by a collapsed panel, 0×0). */
export function intersection(report: (visible: boolean) => void): Attachment<Element> {
  return (element) => {
    const observer = new IntersectionObserver((entries) => {
      const last = entries.at(-1);
      if (last) report(last.isIntersecting);
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
    };
  };
}

/** Saves the picture currently shown as `<name>-<time>.png` (canvas drawImage, then an <a download>). */
export async function savePng(video: HTMLVideoElement, name: string): Promise<void> {
  if (!video.videoWidth || !video.videoHeight) throw new Error('There is no picture to save yet.');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('The snapshot canvas is not available.');
  context.drawImage(video, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The snapshot could not be encoded.');
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`;
  link.click();
  // The download has its own copy once it started; a generous delay covers slow disks.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
