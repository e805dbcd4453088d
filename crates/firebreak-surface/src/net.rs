//! The only place this crate opens sockets. Every function takes the [`Guard`] and asks
//! it first; every exchange has a hard deadline.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{timeout_at, Instant};

use crate::error::SurfaceError;
use crate::scope::{Guard, Permit};

/// An open TCP connection to an in-scope target, with its guard permit and deadline.
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    deadline: Instant,
    _permit: Permit,
}

/// Connects to `addr` if the guard admits it; `Ok(None)` when the port is closed or
/// filtered (refused, timed out).
pub(crate) async fn connect(guard: &Guard, addr: SocketAddr) -> Result<Option<Conn>, SurfaceError> {
    let permit = guard.admit(addr.ip()).await?;
    let deadline = Instant::now() + guard.limits().probe_timeout;
    match timeout_at(deadline, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(Some(Conn {
            stream,
            deadline,
            _permit: permit,
        })),
        Ok(Err(_)) | Err(_) => Ok(None),
    }
}

impl Conn {
    /// Writes `data` and reads until the peer closes, `max` bytes, `done` says the reply
    /// is complete, or the deadline passes (what arrived by then is returned).
    pub(crate) async fn exchange(
        &mut self,
        data: &[u8],
        max: usize,
        done: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<u8>, SurfaceError> {
        if !data.is_empty() {
            timeout_at(self.deadline, self.stream.write_all(data))
                .await
                .map_err(|_| SurfaceError::Timeout)??;
        }
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        while out.len() < max && !done(&out) {
            match timeout_at(self.deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => out.extend_from_slice(&buf[..n.min(max - out.len())]),
                Ok(Err(e)) if out.is_empty() => return Err(e.into()),
                Ok(Err(_)) => break,
                Err(_) if out.is_empty() => return Err(SurfaceError::Timeout),
                Err(_) => break,
            }
        }
        Ok(out)
    }
}

/// Sends one datagram to an in-scope `addr` and collects the reply datagrams that arrive
/// from that address until `wait` passes (a reply may span many datagrams, as
/// memcached's does) or `max_datagrams` arrived. Returns each datagram.
pub(crate) async fn udp_exchange(
    guard: &Guard,
    addr: SocketAddr,
    payload: &[u8],
    wait: Duration,
    max_datagrams: usize,
) -> Result<Vec<Vec<u8>>, SurfaceError> {
    let _permit = guard.admit(addr.ip()).await?;
    udp_exchange_unchecked(
        addr,
        payload,
        wait.min(guard.limits().probe_timeout),
        max_datagrams,
    )
    .await
}

/// One DNS query over UDP to a configured resolver (the guard refuses any other address).
pub(crate) async fn resolver_udp(
    guard: &Guard,
    addr: SocketAddr,
    payload: &[u8],
    wait: Duration,
) -> Result<Option<Vec<u8>>, SurfaceError> {
    guard.admit_resolver(addr.ip()).await?;
    let mut got = udp_exchange_unchecked(addr, payload, wait, 1).await?;
    Ok(got.pop())
}

async fn udp_exchange_unchecked(
    addr: SocketAddr,
    payload: &[u8],
    wait: Duration,
    max_datagrams: usize,
) -> Result<Vec<Vec<u8>>, SurfaceError> {
    let bind: SocketAddr = match addr.ip() {
        IpAddr::V4(_) => "0.0.0.0:0".parse().expect("literal"),
        IpAddr::V6(_) => "[::]:0".parse().expect("literal"),
    };
    let sock = UdpSocket::bind(bind).await?;
    sock.connect(addr).await?;
    sock.send(payload).await?;
    let deadline = Instant::now() + wait;
    let mut out = Vec::new();
    // Room for the largest datagram, never zeroed: a DNS answer touches one page of it
    // (a zeroed 64 KiB buffer per query cost more than the query at 20k names/s).
    let mut buf = Vec::with_capacity(65536);
    while out.len() < max_datagrams {
        buf.clear();
        match timeout_at(deadline, sock.recv_buf(&mut buf)).await {
            Ok(Ok(_)) => out.push(buf.clone()),
            Ok(Err(_)) | Err(_) => break,
        }
    }
    Ok(out)
}

impl Conn {
    /// Writes all of `data` before the deadline.
    pub(crate) async fn send(&mut self, data: &[u8]) -> Result<(), SurfaceError> {
        timeout_at(self.deadline, self.stream.write_all(data))
            .await
            .map_err(|_| SurfaceError::Timeout)??;
        Ok(())
    }

    /// Reads some bytes before the deadline; 0 at end of stream.
    pub(crate) async fn recv(&mut self, buf: &mut [u8]) -> Result<usize, SurfaceError> {
        Ok(timeout_at(self.deadline, self.stream.read(buf))
            .await
            .map_err(|_| SurfaceError::Timeout)??)
    }
}

/// Connects like [`connect`], but the connection's deadline is `hold` after it is
/// established (slow probes that must outlast the usual probe deadline; still bounded).
pub(crate) async fn connect_for(
    guard: &Guard,
    addr: SocketAddr,
    hold: Duration,
) -> Result<Option<Conn>, SurfaceError> {
    Ok(connect(guard, addr).await?.map(|mut c| {
        c.deadline = Instant::now() + hold;
        c
    }))
}

impl Conn {
    /// Waits until `until` (at most the deadline) for the peer to end the connection.
    /// `Ok(Some(bytes))`: the peer closed or reset it, after sending `bytes` (a 408, an
    /// error page); `Ok(None)`: still open at `until`.
    pub(crate) async fn closed_before(
        &mut self,
        until: Instant,
    ) -> Result<Option<Vec<u8>>, SurfaceError> {
        let until = until.min(self.deadline);
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        loop {
            match timeout_at(until, self.stream.read(&mut buf)).await {
                Err(_) => return Ok(None),
                Ok(Ok(0)) | Ok(Err(_)) => return Ok(Some(got)),
                Ok(Ok(n)) => {
                    if got.len() < 4096 {
                        got.extend_from_slice(&buf[..n]);
                    }
                }
            }
        }
    }

    /// Hands the connection to blocking code (a TLS library): every read and write of
    /// the result is bounded by what is left of this connection's deadline.
    pub(crate) fn into_blocking(self) -> Result<BlockingConn, SurfaceError> {
        let stream = self.stream.into_std()?;
        stream.set_nonblocking(false)?;
        Ok(BlockingConn {
            stream,
            deadline: self.deadline.into_std(),
            read_until: None,
            _permit: self._permit,
        })
    }
}

/// A connection for blocking code, with the guard's permit and the probe's deadline.
pub(crate) struct BlockingConn {
    stream: std::net::TcpStream,
    deadline: std::time::Instant,
    read_until: Option<std::time::Instant>,
    _permit: Permit,
}

impl BlockingConn {
    /// Reads give up (`WouldBlock`) at `until` too, not only at the deadline: a way to
    /// wait for the peer a while and then write again (slow-request probes).
    pub(crate) fn read_until(&mut self, until: Option<std::time::Instant>) {
        self.read_until = until;
    }

    fn left(&self) -> std::io::Result<Duration> {
        let left = self
            .deadline
            .saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "probe deadline passed",
            ));
        }
        Ok(left)
    }
}

impl std::io::Read for BlockingConn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut left = self.left()?;
        if let Some(until) = self.read_until {
            let wait = until.saturating_duration_since(std::time::Instant::now());
            if wait.is_zero() {
                return Err(std::io::ErrorKind::WouldBlock.into());
            }
            left = left.min(wait);
        }
        self.stream.set_read_timeout(Some(left))?;
        std::io::Read::read(&mut self.stream, buf)
    }
}

impl std::io::Write for BlockingConn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let left = self.left()?;
        self.stream.set_write_timeout(Some(left))?;
        std::io::Write::write(&mut self.stream, buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut self.stream)
    }
}

impl std::fmt::Debug for BlockingConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingConn")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}
