// The live connection: one WebSocket (authenticated by the session cookie) that
// reconnects by itself with backoff, and tells the page when it is down and back.

export class Live {
  constructor({onPush, onDown, onUp}) {
    this.onPush = onPush;
    this.onDown = onDown;
    this.onUp = onUp;
    this.socket = null;
    this.delay = 500;
    this.stopped = true;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, 'signed out');
    this.socket = null;
  }

  /** Sends `frame` (an object, as JSON) if connected; false when it could not. */
  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/v1/ws`);
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.delay = 500;
      this.onUp();
    });
    socket.addEventListener('message', (event) => {
      try {
        this.onPush(JSON.parse(event.data));
      } catch {
        // not a push we understand
      }
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.onDown(opened);
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    });
  }
}
