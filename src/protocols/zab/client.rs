//! A ZooKeeper client (`ClientCnxn`'s behaviour): sessions, pings, reconnects, and the history of
//! what it asked and heard.
//!
//! A client process holds one or more sessions ([`Handle`]s; the mix uses one, a script one per
//! session it names). A handle connects to a server; once connected it sends requests and, when
//! idle for a third of the session timeout, pings. Not hearing from its server for two thirds of
//! the timeout (the read timeout), or being told the connection closed, loses the connection:
//! every request in flight ends as ConnectionLoss (its outcome unknown), and after a random pause
//! of up to a second the handle tries the next server, resuming its session and setting its
//! watches again. Requests made meanwhile wait for the connection, and fail unsent (ConnectionLoss)
//! if an attempt fails, or with SessionExpired if the session turns out to have expired. The server refuses a client that has seen a later zxid than it has applied, and
//! asks the leader whether the session still lives: if not the handle is told Expired and is
//! dead; the mix then opens a new session (`c1.2`, ...).
//!
//! A reply that overtakes the reply to an earlier request means the connection lost something:
//! as ZooKeeper's client does ("Xid out of order"), the handle drops the connection. The
//! `single-system-image` guarantee is checked here, where it is visible: no reply carries an
//! older zxid than one the session has seen.

mod contention;
mod lock;

pub use contention::ContentionState;
pub use lock::{LOCK, LockConfig, LockState, Recipe};

use std::collections::{BTreeMap, BTreeSet};

use rand::RngExt;

use super::server::Rewatch;
use super::workload::{Mix, Workload, describe, is_write};
use super::{Msg, Timer, Welcome, Zab, Zxid};
use crate::protocols::zk::ZkError;
use crate::protocols::zk::store::{EventType, Reply, Request, WatchEvent, WatchKind};
use crate::sim::protocol::{Ctx, NodeIdx};
use crate::sim::time::{Nanos, SECOND};

/// How an operation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    /// The server answered (a result or a ZooKeeper error), with the zxid the reply carried.
    Answered {
        /// When, ns.
        at: Nanos,
        /// The reply's zxid.
        zxid: Zxid,
        /// The result.
        result: Result<Reply, ZkError>,
    },
    /// The connection was lost with the request in flight: it may or may not have happened.
    Unknown {
        /// When the loss was noticed, ns.
        at: Nanos,
    },
    /// The request was never sent (no connection, or a dead session).
    NotSent {
        /// When, ns.
        at: Nanos,
        /// Why: `ConnectionLoss` or `SessionExpired`.
        error: &'static str,
    },
}

/// One operation of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The client (0 for c1).
    pub client: u32,
    /// The session.
    pub session: String,
    /// What it asked.
    pub request: Request,
    /// When, ns.
    pub invoked: Nanos,
    /// How it ended (none while in flight).
    pub completion: Option<Completion>,
}

/// A session's connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Waiting until this time to try the next server.
    Waiting(Nanos),
    /// Asked this server; since then.
    Connecting(NodeIdx, Nanos),
    /// Connected to this server.
    Connected(NodeIdx),
    /// The session expired (or was closed): the handle is dead.
    Dead,
}

/// One session.
#[derive(Debug, Clone)]
pub struct Handle {
    name: String,
    link: Link,
    /// The session exists on the ensemble (so a connect resumes it).
    opened: bool,
    timeout: Nanos,
    next_server: NodeIdx,
    last_heard: Nanos,
    last_sent: Nanos,
    last_zxid: Zxid,
    next_cxid: u64,
    /// Connection attempts so far: an answer to an earlier one is ignored.
    attempt: u64,
    /// Requests in flight: cxid → index in the history.
    inflight: BTreeMap<u64, usize>,
    /// Requests made while reconnecting, to send once connected (indices in the history).
    queued: Vec<usize>,
    watches: BTreeSet<Rewatch>,
}

impl Handle {
    fn new(name: String, first_server: NodeIdx, timeout: Nanos) -> Self {
        Handle {
            name,
            link: Link::Waiting(0),
            opened: false,
            timeout,
            next_server: first_server,
            last_heard: 0,
            last_sent: 0,
            last_zxid: 0,
            next_cxid: 0,
            attempt: 0,
            inflight: BTreeMap::new(),
            queued: Vec::new(),
            watches: BTreeSet::new(),
        }
    }

    fn read_timeout(&self) -> Nanos {
        self.timeout * 2 / 3
    }
}

/// A watch event a script's session heard, to print after the operation that fired it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScriptEvent {
    /// The change that fired it.
    pub zxid: Zxid,
    /// Its firing within the change.
    pub group: u32,
    /// The session told.
    pub session: String,
    /// What happened.
    pub kind: EventType,
    /// The node.
    pub path: String,
}

/// A script's progress.
#[derive(Debug, Clone, Default)]
struct Script {
    next: usize,
    /// The op in flight (index in the script) and, once answered, when the next may start.
    waiting: Option<(usize, Option<Nanos>)>,
    /// Sessions by the order they were first named (for their server).
    named: Vec<String>,
    /// A timer is set for the end of the wait after the op in flight.
    woken: bool,
}

/// What went wrong at a client, as the checkers report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breaches {
    /// A reply carried an older zxid than the session had seen.
    pub system_image: Option<String>,
}

/// A client process.
#[derive(Debug, Clone)]
pub struct ZkClient {
    index: u32,
    handles: Vec<Handle>,
    mix: Mix,
    script: Script,
    history: Vec<Operation>,
    heard: Vec<(usize, ScriptEvent)>,
    breaches: Breaches,
    expired: u64,
    watch_events: u64,
    /// Sessions the mix has opened.
    sessions: u64,
    /// A lock workload's state.
    lock: LockState,
    /// A contention workload's state.
    contention: ContentionState,
}

impl ZkClient {
    /// Boots client `ctx.id()`, its first session connecting to a server chosen by its index.
    pub fn boot(ctx: &mut Ctx<'_, Zab>) -> Self {
        let index = ctx.id() - ctx.nodes();
        let mut client = ZkClient {
            index,
            handles: Vec::new(),
            mix: Mix::default(),
            script: Script::default(),
            history: Vec::new(),
            heard: Vec::new(),
            breaches: Breaches::default(),
            expired: 0,
            watch_events: 0,
            sessions: 1,
            lock: LockState::default(),
            contention: ContentionState::default(),
        };
        let tick = ctx.config().tick;
        ctx.set_timer(tick / 2, Timer::ClientTick);
        let workload = ctx.config().workload.clone();
        match workload.as_ref() {
            Workload::Mix { interval, stop, .. } => {
                let name = format!("c{}", index + 1);
                client.open(ctx, name, index % ctx.nodes());
                let first = interval + interval * u64::from(index) / u64::from(ctx.clients());
                if first <= *stop {
                    ctx.set_timer(first, Timer::Issue);
                }
            }
            Workload::Lock(_) => {
                let name = format!("c{}", index + 1);
                client.open(ctx, name, index % ctx.nodes());
            }
            Workload::Contention { .. } => {
                let name = format!("c{}", index + 1);
                client.open(ctx, name, index % ctx.nodes());
                client.contention_boot(ctx);
            }
            Workload::Script { .. } => {
                if index == 0 {
                    ctx.set_timer(0, Timer::Issue);
                }
            }
        }
        client
    }

    // ---- what the runner and checkers read ----

    /// The history, in invocation order.
    pub fn history(&self) -> &[Operation] {
        &self.history
    }

    /// The client's index (0 for c1).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Broken guarantees seen here.
    pub fn breaches(&self) -> &Breaches {
        &self.breaches
    }

    /// Sessions this client was told had expired.
    pub fn expired(&self) -> u64 {
        self.expired
    }

    /// Watch events received.
    pub fn watch_events(&self) -> u64 {
        self.watch_events
    }

    /// Whether a script has run to its end.
    pub fn script_done(&self, ops: usize) -> bool {
        self.script.next >= ops && self.script.waiting.is_none()
    }

    /// Watch events heard by a script's sessions, with the index of the op after which each
    /// arrived.
    pub fn heard(&self) -> &[(usize, ScriptEvent)] {
        &self.heard
    }

    // ---- sessions ----

    fn open(&mut self, ctx: &mut Ctx<'_, Zab>, name: String, server: NodeIdx) -> usize {
        let timeout = ctx.config().session_timeout;
        self.handles.push(Handle::new(name, server, timeout));
        let h = self.handles.len() - 1;
        self.connect(ctx, h);
        h
    }

    fn connect(&mut self, ctx: &mut Ctx<'_, Zab>, h: usize) {
        let now = ctx.now();
        let handle = &mut self.handles[h];
        let server = handle.next_server;
        handle.next_server = (server + 1) % ctx.nodes();
        handle.link = Link::Connecting(server, now);
        handle.last_sent = now;
        handle.attempt += 1;
        let msg = Msg::Connect {
            session: handle.name.clone(),
            attempt: handle.attempt,
            resume: handle.opened,
            timeout: handle.timeout,
            last_zxid: handle.last_zxid,
            watches: handle.watches.iter().cloned().collect(),
        };
        ctx.send(server, msg);
    }

    /// The connection is gone: what was in flight is unknown; try another server soon.
    fn lose(&mut self, ctx: &mut Ctx<'_, Zab>, h: usize) {
        let now = ctx.now();
        let pause = ctx.rng().random_range(0..=SECOND);
        let handle = &mut self.handles[h];
        if handle.link == Link::Dead {
            return;
        }
        handle.link = Link::Waiting(now + pause);
        for (_, op) in std::mem::take(&mut handle.inflight) {
            self.history[op].completion = Some(Completion::Unknown { at: now });
        }
        self.fail_queued(h, now, "ConnectionLoss");
        self.script_answered(now);
    }

    /// What waited for a connection fails without having been sent.
    fn fail_queued(&mut self, h: usize, at: Nanos, error: &'static str) {
        for op in std::mem::take(&mut self.handles[h].queued) {
            self.history[op].completion = Some(Completion::NotSent { at, error });
        }
    }

    /// Sends request `op` of the history on handle `h`, connected to `server`.
    fn send_request(&mut self, ctx: &mut Ctx<'_, Zab>, h: usize, server: NodeIdx, op: usize) {
        let handle = &mut self.handles[h];
        handle.next_cxid += 1;
        let cxid = handle.next_cxid;
        handle.inflight.insert(cxid, op);
        handle.last_sent = ctx.now();
        ctx.send(
            server,
            Msg::ClientRequest {
                session: handle.name.clone(),
                cxid,
                request: self.history[op].request.clone(),
            },
        );
    }

    fn handle_of(&self, session: &str) -> Option<usize> {
        self.handles.iter().rposition(|h| h.name == session)
    }

    // ---- operations ----

    /// Sends `request` on handle `h`, or records why it could not be sent.
    fn issue(&mut self, ctx: &mut Ctx<'_, Zab>, h: usize, request: Request) {
        let now = ctx.now();
        let handle = &mut self.handles[h];
        let index = self.history.len();
        let mut op = Operation {
            client: self.index,
            session: handle.name.clone(),
            request,
            invoked: now,
            completion: None,
        };
        let link = handle.link;
        match link {
            Link::Dead => {
                op.completion = Some(Completion::NotSent {
                    at: now,
                    error: "SessionExpired",
                });
            }
            // While reconnecting, a session's requests wait for the connection (ZooKeeper's
            // outgoing queue); before its first connection there is no session to wait for.
            Link::Waiting(_) | Link::Connecting(..) if handle.opened => handle.queued.push(index),
            Link::Waiting(_) | Link::Connecting(..) => {
                op.completion = Some(Completion::NotSent {
                    at: now,
                    error: "ConnectionLoss",
                });
            }
            Link::Connected(_) => {}
        }
        self.history.push(op);
        if let Link::Connected(server) = link {
            self.send_request(ctx, h, server, index);
        }
    }

    fn on_reply(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        session: &str,
        cxid: u64,
        zxid: Zxid,
        result: Result<Reply, ZkError>,
    ) {
        let now = ctx.now();
        let Some(h) = self.handle_of(session) else {
            return;
        };
        let handle = &mut self.handles[h];
        handle.last_heard = now;
        let Some(op) = handle.inflight.remove(&cxid) else {
            return;
        };
        if handle
            .inflight
            .first_key_value()
            .is_some_and(|(&earlier, _)| earlier < cxid)
        {
            // "Xid out of order": an earlier request's reply is missing, so the connection
            // cannot be trusted; ZooKeeper's client drops it, and so does this one.
            handle.inflight.insert(cxid, op);
            self.lose(ctx, h);
            return;
        }
        if zxid < handle.last_zxid && self.breaches.system_image.is_none() {
            self.breaches.system_image = Some(format!(
                "session {session} saw zxid {} and then a reply of zxid {}",
                super::hex(handle.last_zxid),
                super::hex(zxid)
            ));
        }
        handle.last_zxid = handle.last_zxid.max(zxid);
        let request = &self.history[op].request;
        if let Ok(reply) = &result {
            match (request, reply) {
                (Request::Get { path, watch: true }, _) => {
                    handle.watches.insert((path.clone(), WatchKind::Data, true));
                }
                (Request::Exists { path, watch: true }, Reply::Stat(stat)) => {
                    let existed = stat.is_some();
                    handle
                        .watches
                        .insert((path.clone(), WatchKind::Data, existed));
                }
                (Request::Children { path, watch: true }, _) => {
                    handle
                        .watches
                        .insert((path.clone(), WatchKind::Child, true));
                }
                _ => {}
            }
            let path = describe(request).1;
            match reply {
                Reply::Data(_, stat) => self.mix.saw(&path, stat.version),
                Reply::Stat(Some(stat)) => self.mix.saw(&path, stat.version),
                Reply::Created(_) => self.mix.saw(&path, 0),
                _ => {}
            }
        }
        let latency = now - self.history[op].invoked;
        if is_write(request) {
            ctx.latency("write", latency);
        } else if matches!(
            request,
            Request::Get { .. } | Request::Exists { .. } | Request::Children { .. }
        ) {
            ctx.latency("read", latency);
        }
        let request = &self.history[op].request;
        if matches!(request, Request::Close) && result.is_ok() {
            handle.link = Link::Dead;
        }
        self.history[op].completion = Some(Completion::Answered {
            at: now,
            zxid,
            result,
        });
        self.script_answered(now);
        self.lock_reply(ctx, op);
        self.contention_reply(ctx, op);
    }

    /// A lock workload's state.
    pub fn lock(&self) -> &LockState {
        &self.lock
    }

    fn on_welcome(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        from: NodeIdx,
        session: &str,
        attempt: u64,
        welcome: Welcome,
    ) {
        let now = ctx.now();
        let Some(h) = self.handle_of(session) else {
            return;
        };
        let handle = &mut self.handles[h];
        match welcome {
            Welcome::Connected(timeout)
                if attempt == handle.attempt
                    && matches!(handle.link, Link::Connecting(s, _) if s == from) =>
            {
                handle.link = Link::Connected(from);
                handle.opened = true;
                handle.timeout = timeout;
                handle.last_heard = now;
                for op in std::mem::take(&mut handle.queued) {
                    self.send_request(ctx, h, from, op);
                }
                self.lock_connected(ctx);
                self.contention_connected(ctx);
            }
            Welcome::Connected(_) => {}
            Welcome::Refused => {
                let current = attempt == handle.attempt;
                if current && matches!(handle.link, Link::Connecting(s, _) if s == from) {
                    self.lose(ctx, h);
                }
            }
            Welcome::Expired => {
                if handle.link != Link::Dead {
                    // What waited to be sent learns the session is gone.
                    self.fail_queued(h, now, "SessionExpired");
                    self.lose(ctx, h);
                    self.handles[h].link = Link::Dead;
                    self.expired += 1;
                    self.lock_expired();
                    self.renew(ctx, h);
                }
            }
        }
    }

    /// After an expiry, the mix carries on with a new session.
    fn renew(&mut self, ctx: &mut Ctx<'_, Zab>, h: usize) {
        if matches!(ctx.config().workload.as_ref(), Workload::Script { .. }) {
            return;
        }
        // Every session of the client gets a name of its own: c1, c1.2, c1.3, ...
        self.sessions += 1;
        let name = format!("c{}.{}", self.index + 1, self.sessions);
        let server = self.handles[h].next_server;
        self.handles.clear();
        self.open(ctx, name, server);
    }

    fn on_watch(&mut self, ctx: &mut Ctx<'_, Zab>, zxid: Zxid, event: WatchEvent) {
        let Some(h) = self.handle_of(&event.session) else {
            return;
        };
        self.watch_events += 1;
        let handle = &mut self.handles[h];
        handle.last_heard = ctx.now();
        let child = event.kind == EventType::NodeChildrenChanged;
        let data = !child;
        let both = event.kind == EventType::NodeDeleted;
        handle.watches.retain(|(path, kind, _)| {
            path != &event.path
                || !((*kind == WatchKind::Child && (child || both))
                    || (*kind == WatchKind::Data && data))
        });
        let after = self.script.next.saturating_sub(1);
        self.heard.push((
            after,
            ScriptEvent {
                zxid,
                group: event.group,
                session: event.session,
                kind: event.kind,
                path: event.path,
            },
        ));
    }

    // ---- the script ----

    /// The script's op in flight has ended (answered, or lost with the connection).
    fn script_answered(&mut self, now: Nanos) {
        if let Some((_, done)) = &mut self.script.waiting
            && done.is_none()
        {
            *done = Some(now);
        }
    }

    fn script_step(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let workload = ctx.config().workload.clone();
        let Workload::Script { ops, settle } = workload.as_ref() else {
            return;
        };
        let settle = *settle;
        let now = ctx.now();
        match self.script.waiting {
            Some((_, Some(answered))) if now >= answered + settle => self.script.waiting = None,
            Some((_, Some(answered))) => {
                if !self.script.woken {
                    self.script.woken = true;
                    ctx.set_timer(answered + settle - now, Timer::Issue);
                }
                return;
            }
            Some(_) => return,
            None => {}
        }
        let Some((session, request)) = ops.get(self.script.next).cloned() else {
            return;
        };
        let h = match self.handle_of(&session) {
            Some(h) if self.handles[h].link != Link::Dead => h,
            _ => {
                let k = match self.script.named.iter().position(|s| *s == session) {
                    Some(k) => k,
                    None => {
                        self.script.named.push(session.clone());
                        self.script.named.len() - 1
                    }
                };
                self.open(ctx, session, k as u32 % ctx.nodes())
            }
        };
        if !matches!(self.handles[h].link, Link::Connected(_)) {
            return;
        }
        self.script.waiting = Some((self.script.next, None));
        self.script.woken = false;
        self.script.next += 1;
        self.issue(ctx, h, request);
        if self.history.last().is_some_and(|o| o.completion.is_some()) {
            self.script.waiting = Some((self.script.next - 1, Some(now)));
        }
    }

    // ---- events ----

    /// A message arrived.
    pub fn on_message(&mut self, ctx: &mut Ctx<'_, Zab>, from: NodeIdx, msg: Msg) {
        match msg {
            Msg::Welcome {
                session,
                attempt,
                welcome,
            } => self.on_welcome(ctx, from, &session, attempt, welcome),
            Msg::ClientReply {
                session,
                cxid,
                zxid,
                result,
            } => self.on_reply(ctx, &session, cxid, zxid, result),
            Msg::ClientPing(session) => {
                if let Some(h) = self.handle_of(&session) {
                    self.handles[h].last_heard = ctx.now();
                }
            }
            Msg::WatchEvent { zxid, event } => {
                self.lock_watch(ctx, &event);
                self.on_watch(ctx, zxid, event);
            }
            Msg::StorageReply { .. } => self.lock_stored(ctx),
            Msg::Disconnect(session) => {
                if let Some(h) = self.handle_of(&session)
                    && matches!(self.handles[h].link, Link::Connected(s) | Link::Connecting(s, _) if s == from)
                {
                    self.lose(ctx, h);
                }
            }
            _ => {}
        }
        self.script_step(ctx);
    }

    /// A timer fired.
    pub fn on_timer(&mut self, ctx: &mut Ctx<'_, Zab>, timer: Timer) {
        match timer {
            Timer::ClientTick => {
                ctx.set_timer(ctx.config().tick / 2, Timer::ClientTick);
                self.tick(ctx);
            }
            Timer::Issue => match ctx.config().workload.as_ref() {
                Workload::Mix {
                    interval,
                    stop,
                    reads,
                    readers,
                } => {
                    let (interval, stop) = (*interval, *stop);
                    let reader = self.index + readers >= ctx.clients();
                    let reads = if reader { Some(1.0) } else { *reads };
                    if ctx.now() + interval <= stop {
                        ctx.set_timer(interval, Timer::Issue);
                    }
                    // The application starts once its first session is open.
                    if let Some(h) = self.handles.len().checked_sub(1)
                        && self.handles[h].opened
                    {
                        let name = self.handles[h].name.clone();
                        let index = self.index;
                        let request = self.mix.next(ctx.rng(), index, &name, reads);
                        self.issue(ctx, h, request);
                    }
                }
                Workload::Lock(_) => self.lock_timer(ctx),
                Workload::Contention { .. } => self.contention_timer(ctx),
                Workload::Script { .. } => {}
            },
            Timer::Tick | Timer::Finalize(_) => {}
        }
        self.script_step(ctx);
    }

    fn tick(&mut self, ctx: &mut Ctx<'_, Zab>) {
        let now = ctx.now();
        for h in 0..self.handles.len() {
            let handle = &self.handles[h];
            let read_timeout = handle.read_timeout();
            match handle.link {
                Link::Connected(server) => {
                    if handle.last_heard + read_timeout < now {
                        self.lose(ctx, h);
                    } else if handle.last_sent + read_timeout / 2 <= now {
                        let session = handle.name.clone();
                        self.handles[h].last_sent = now;
                        ctx.send(server, Msg::ClientPing(session));
                    }
                }
                Link::Connecting(_, since) if since + read_timeout < now => self.lose(ctx, h),
                Link::Waiting(at) if at <= now => self.connect(ctx, h),
                Link::Connecting(..) | Link::Waiting(_) | Link::Dead => {}
            }
        }
    }
}

/// Whether the operation changes the store (a write, a multi or a close).
pub fn writes(op: &Operation) -> bool {
    is_write(&op.request)
}
