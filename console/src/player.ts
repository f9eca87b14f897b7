import Hls from 'hls.js';
import { h } from './dom.js';

/**
 * A video element for an output: MP4 natively, HLS through hls.js (Media Source Extensions), or natively
 * where there is no MSE (Safari on iPhone). Fatal hls.js errors are shown under the player.
 */
export function videoPlayer(url: string, kind: 'hls' | 'file', label: string): HTMLElement {
  const video = h('video', {
    controls: true,
    muted: true,
    playsinline: true,
    preload: 'metadata',
    'aria-label': label,
  });
  const status = h('p', { class: 'player-status' });
  // hls.js first where Media Source Extensions exist (one behaviour everywhere), native HLS (Safari on iOS) else.
  if (kind === 'file') {
    video.src = url;
  } else if (Hls.isSupported()) {
    const hls = new Hls({ enableWorker: true });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) status.textContent = `The player stopped: ${data.type} ${data.details}`;
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    // Stop fetching segments once the player leaves the page.
    const stopWhenGone = new MutationObserver(() => {
      if (!video.isConnected) {
        hls.destroy();
        stopWhenGone.disconnect();
      }
    });
    stopWhenGone.observe(document.body, { childList: true, subtree: true });
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
  } else {
    status.textContent = 'This browser cannot play HLS (no Media Source Extensions).';
  }
  return h('div', { class: 'player' }, video, status);
}
