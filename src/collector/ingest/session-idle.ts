/**
 * The idle timer of an HTTP/2 session. Node runs expired timers before it reads the sockets that
 * became readable meanwhile, so a collector starved of CPU (or stopped) for longer than the idle
 * time wakes up, finds the timer expired, and would close a session whose client has calls waiting
 * in the socket: closing sends GOAWAY, and every call the server has not yet read fails at the
 * client (REFUSED_STREAM, or CANCEL). So an expired timer only proposes closing; the session closes
 * if it has no open stream and, once the waiting input has been read (the next check phase, after
 * the poll phase), no stream arrived. Otherwise the timer is armed again. A truly idle session is
 * still closed after about `idleMs`.
 */
import type { Http2Session, ServerHttp2Stream } from 'node:http2';

export function closeWhenIdle(session: Http2Session, idleMs: number): void {
  let open = 0;
  let arrived = 0;
  session.on('stream', (stream: ServerHttp2Stream) => {
    open += 1;
    arrived += 1;
    stream.once('close', () => {
      open -= 1;
    });
  });
  const rearm = (): void => void session.setTimeout(idleMs);
  session.on('timeout', () => {
    // A call the service is still working on (a slow disk, say) sends no frames, yet is not idle.
    if (open > 0) return rearm();
    const before = arrived;
    setImmediate(() => {
      if (session.closed || session.destroyed) return;
      if (open > 0 || arrived !== before) return rearm();
      session.close();
    });
  });
  session.setTimeout(idleMs);
}
