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
    let mut buf = vec![0u8; 65536];
    while out.len() < max_datagrams {
        match timeout_at(deadline, sock.recv(&mut buf)).await {
            Ok(Ok(n)) => out.push(buf[..n].to_vec()),
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
