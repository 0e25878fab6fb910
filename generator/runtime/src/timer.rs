//! Time limits for attempts without a tokio timer per attempt.
//!
//! Every attempt has a time limit and almost none reaches it. A tokio timer per attempt costs
//! its registration in the runtime's timer wheel and its removal, about a thousand
//! instructions: a few per cent of a round trip to a nearby server. So attempts share timers.
//! Each thread keeps a few *slots*; a slot is one tokio timer (in a spawned task) that wakes
//! the attempts waiting on it when it fires. An attempt whose deadline falls within a slot's
//! *grain* before the slot fires waits on that slot, and a new slot is made when none fits. A
//! limit is therefore enforced up to one grain late: 1/32 of the limit, at most 250 ms (a 30 s
//! limit fires between 30 s and 30.25 s). Limits under 100 ms get a timer of their own.
//!
//! Registering with a slot is a lock the thread rarely shares and no allocation; the slot's
//! cost (a task and a timer) is spread over the attempts of its grain.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// The lateness allowed for a limit: this fraction of it...
const GRAIN_FRACTION: u32 = 32;
/// ...and at most this.
const MAX_GRAIN: Duration = Duration::from_millis(250);
/// Shorter limits get an exact timer.
const MIN_SHARED: Duration = Duration::from_millis(100);
/// Slots each thread remembers.
const SLOTS_PER_THREAD: usize = 4;

/// One shared timer and the attempts waiting on it.
struct Slot {
    /// When it fires.
    at: Instant,
    /// The runtime whose timer drives it.
    runtime: tokio::runtime::Id,
    fired: AtomicBool,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    wakers: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn has_fired(&self) -> bool {
        self.fired.load(Ordering::Acquire)
    }

    /// Wake every waiter; later registrations fail.
    fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        let waiters = std::mem::take(&mut *self.lock());
        for waker in waiters.wakers.into_iter().flatten() {
            waker.wake();
        }
    }

    /// Wait on this slot: the waiter's key, or `None` when the slot has fired.
    fn register(&self, waker: &Waker) -> Option<usize> {
        let mut w = self.lock();
        // Checked under the lock: `fire` sets the flag before it takes the waiters.
        if self.has_fired() {
            return None;
        }
        Some(match w.free.pop() {
            Some(key) => {
                w.wakers[key] = Some(waker.clone());
                key
            }
            None => {
                w.wakers.push(Some(waker.clone()));
                w.wakers.len() - 1
            }
        })
    }

    /// Keep the waiter's waker current; `false` when the slot has fired.
    fn update(&self, key: usize, waker: &Waker) -> bool {
        let mut w = self.lock();
        if self.has_fired() {
            return false;
        }
        match &mut w.wakers[key] {
            Some(old) if old.will_wake(waker) => {}
            entry => *entry = Some(waker.clone()),
        }
        true
    }

    fn remove(&self, key: usize) {
        let mut w = self.lock();
        // After firing the list is empty and stays so.
        if key < w.wakers.len() {
            w.wakers[key] = None;
            w.free.push(key);
        }
    }
}

/// Fires its slot when its task ends, also when the runtime drops the task unfinished.
struct FireOnDrop(Arc<Slot>);

impl Drop for FireOnDrop {
    fn drop(&mut self) {
        self.0.fire();
    }
}

thread_local! {
    static SLOTS: RefCell<Vec<Arc<Slot>>> = const { RefCell::new(Vec::new()) };
}

/// A slot of the current runtime that fires within `grain` after `deadline`, made (with its
/// task) when this thread has none; `None` outside a runtime.
fn slot_for(deadline: Instant, grain: Duration) -> Option<Arc<Slot>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    let id = runtime.id();
    SLOTS
        .try_with(|slots| {
            let mut slots = slots.borrow_mut();
            let fits =
                |s: &Arc<Slot>| s.runtime == id && s.at >= deadline && s.at - deadline <= grain && !s.has_fired();
            if let Some(slot) = slots.iter().rev().find(|s| fits(s)) {
                return slot.clone();
            }
            let slot = Arc::new(Slot {
                at: deadline + grain,
                runtime: id,
                fired: AtomicBool::new(false),
                waiters: Mutex::new(Waiters::default()),
            });
            let guard = FireOnDrop(slot.clone());
            let at = slot.at;
            runtime.spawn(async move {
                tokio::time::sleep_until(at).await;
                drop(guard);
            });
            slots.retain(|s| !s.has_fired());
            if slots.len() >= SLOTS_PER_THREAD {
                slots.remove(0);
            }
            slots.push(slot.clone());
            slot
        })
        .ok()
}

/// How an attempt waits for its deadline.
enum Wait {
    /// Not yet polled to `Pending`.
    Unarmed,
    /// On a shared slot.
    Shared { slot: Arc<Slot>, key: usize },
    /// On a timer of its own.
    Exact(Pin<Box<Sleep>>),
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Wait::Shared { slot, key } = self {
            slot.remove(*key);
        }
    }
}

/// A time limit: [`Limit::poll_expired`] is `Ready` once it has passed. The first poll that
/// finds it running arms it (on a shared slot, or a timer of its own); dropping it disarms it.
/// The attempt it limits is polled beside it, not wrapped: a wrapper would be one more copy
/// of the attempt's future.
pub(crate) struct Limit {
    deadline: Instant,
    grain: Duration,
    wait: Wait,
}

impl Limit {
    /// A limit at `deadline`, a `limit` from now (enforced up to 1/32 of the limit, at most
    /// 250 ms, late).
    pub(crate) fn new(deadline: Instant, limit: Duration) -> Limit {
        let grain = if limit < MIN_SHARED { Duration::ZERO } else { (limit / GRAIN_FRACTION).min(MAX_GRAIN) };
        Limit { deadline, grain, wait: Wait::Unarmed }
    }

    /// `Ready` once the limit has passed; otherwise the task is woken when it may have.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        loop {
            match &mut self.wait {
                Wait::Unarmed => {
                    let slot = if self.grain.is_zero() { None } else { slot_for(deadline, self.grain) };
                    self.wait = match slot.and_then(|slot| slot.register(cx.waker()).map(|key| (slot, key))) {
                        Some((slot, key)) => Wait::Shared { slot, key },
                        None => Wait::Exact(Box::pin(tokio::time::sleep_until(deadline))),
                    };
                    if let Wait::Shared { .. } = self.wait {
                        return Poll::Pending;
                    }
                }
                Wait::Shared { slot, key } => {
                    if slot.update(*key, cx.waker()) {
                        return Poll::Pending;
                    }
                    // Fired: normally at or after the deadline; earlier only when its runtime
                    // dropped the slot's task, and then an exact timer takes over.
                    if Instant::now() >= deadline {
                        self.wait = Wait::Unarmed;
                        return Poll::Ready(());
                    }
                    self.wait = Wait::Exact(Box::pin(tokio::time::sleep_until(deadline)));
                }
                Wait::Exact(sleep) => return sleep.as_mut().poll(cx),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fut` within a time limit `limit` from now: `Err(())` once the limit has passed.
    async fn within<F: Future>(deadline: Instant, limit: Duration, fut: F) -> Result<F::Output, ()> {
        let mut fut = std::pin::pin!(fut);
        let mut limit = Limit::new(deadline, limit);
        std::future::poll_fn(|cx| match fut.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready(Ok(out)),
            Poll::Pending => limit.poll_expired(cx).map(Err),
        })
        .await
    }

    fn waiting(slot: &Slot) -> usize {
        slot.lock().wakers.iter().flatten().count()
    }

    fn after<F: Future>(limit: Duration, fut: F) -> impl Future<Output = Result<F::Output, ()>> {
        within(Instant::now() + limit, limit, fut)
    }

    fn this_threads_slots() -> Vec<Arc<Slot>> {
        SLOTS.with(|s| s.borrow().clone())
    }

    #[tokio::test(start_paused = true)]
    async fn a_limit_fires_within_its_grain() {
        for (limit, grain) in [
            (Duration::from_secs(30), Duration::from_millis(250)),
            (Duration::from_secs(1), Duration::from_millis(1000 / 32)),
            (Duration::from_millis(50), Duration::ZERO),
        ] {
            let start = Instant::now();
            let out = after(limit, std::future::pending::<()>()).await;
            let took = start.elapsed();
            assert_eq!(out, Err(()));
            assert!(took >= limit && took <= limit + grain + Duration::from_millis(1), "{limit:?}: {took:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_share_a_slot_and_leave_it_when_done() {
        let limit = Duration::from_secs(30);
        let mut pending: Vec<_> = (0..10).map(|_| Box::pin(after(limit, std::future::pending::<()>()))).collect();
        let waker = futures_util::task::noop_waker();
        for p in &mut pending {
            assert!(p.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        }
        let slots = this_threads_slots();
        assert_eq!(slots.len(), 1);
        assert_eq!(waiting(&slots[0]), 10);
        pending.truncate(3);
        assert_eq!(waiting(&slots[0]), 3);
        // A finished attempt never waits on a slot.
        assert_eq!(after(limit, async { 7 }).await, Ok(7));
        // Within the grain: the same slot; past it: a new one.
        tokio::time::advance(Duration::from_millis(100)).await;
        let mut a = Box::pin(after(limit, std::future::pending::<()>()));
        assert!(a.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert_eq!(this_threads_slots().len(), 1);
        tokio::time::advance(Duration::from_millis(200)).await;
        let mut b = Box::pin(after(limit, std::future::pending::<()>()));
        assert!(b.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert_eq!(this_threads_slots().len(), 2);
        assert_eq!(waiting(&slots[0]), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_in_time_wins() {
        let limit = Duration::from_secs(2);
        let out = after(limit, async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            "answer"
        })
        .await;
        assert_eq!(out, Ok("answer"));
        // Its slot fires later and finds nobody waiting.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(this_threads_slots().iter().all(|s| s.has_fired() && waiting(s) == 0));
    }

    #[test]
    fn a_slot_whose_runtime_is_gone_is_not_used() {
        let limit = Duration::from_secs(5);
        let first = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        first.block_on(async {
            let mut p = Box::pin(after(limit, std::future::pending::<()>()));
            let waker = futures_util::task::noop_waker();
            assert!(p.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        });
        let old = this_threads_slots();
        drop(first);
        // Dropping the runtime dropped the slot's task, which fired it.
        assert!(old.iter().all(|s| s.has_fired()));
        let second = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        second.block_on(async {
            let start = Instant::now();
            assert_eq!(after(limit, std::future::pending::<()>()).await, Err(()));
            assert!(start.elapsed() >= limit);
        });
        let now = this_threads_slots();
        assert!(now.iter().any(|s| !old.iter().any(|o| Arc::ptr_eq(o, s))));
    }
}
