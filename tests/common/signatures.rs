// Every signature form `#[isolated]` supports, compiled by the root package
// (edition 2024) through `tests/signatures.rs` and by `tests/edition2021`
// (edition 2021), whose `impl Trait` lifetime capture rules differ.
//
// Each function sets `leak` in its frame; `run_all` checks that it never
// reaches the caller, and that every function still computes its result.

use std::future::Future;
use std::pin::Pin;

use context_core::{ContextKey, ContextLocal, ContextMap, isolated};
use futures::executor::block_on;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};

pub static SIG: ContextLocal = ContextLocal::new();
pub static SIG_KEY: ContextKey<u32> = ContextKey::new("sig");
pub static SIG_MAP: ContextMap<u32> = ContextMap::new();

fn leak() {
    SIG.set("leak", true);
}

fn leaked() -> bool {
    SIG.contains("leak")
}

/// Doc comments and other attributes are kept.
#[isolated(SIG)]
#[inline]
#[must_use]
pub fn free(x: &str) -> usize {
    leak();
    x.len()
}

#[isolated]
pub(crate) fn no_locals() {
    leak();
}

#[isolated(SIG, SIG_KEY, SIG_MAP, crate = ::context_core)]
pub fn generic<T: Clone, U>(t: T, _u: U) -> T
where
    U: Sized,
{
    leak();
    t
}

#[isolated(SIG)]
pub fn apit(f: impl Fn(&str) -> usize, s: &str) -> usize {
    leak();
    f(s)
}

#[isolated(SIG)]
pub fn lifetimes<'a, 'b: 'a>(a: &'a str, _b: &'b str) -> &'a str {
    leak();
    a
}

#[isolated(SIG)]
pub async fn async_elided(x: &str, y: &[u8]) -> usize {
    leak();
    futures::future::ready(()).await;
    x.len() + y.len()
}

#[isolated(SIG)]
pub async fn async_named<'a, 'b>(x: &'a str, _y: &'b str) -> &'a str {
    leak();
    x
}

#[isolated(SIG)]
pub async fn async_generic<T>(t: T, f: impl FnOnce(T) -> T + Send) -> T
where
    T: Send,
{
    leak();
    f(t)
}

#[isolated(SIG)]
pub async fn async_patterns((a, b): (u32, u32), mut c: u32, _: u32) -> u32 {
    leak();
    c += a;
    c + b
}

#[isolated(SIG)]
pub async fn async_anonymous_path(it: std::slice::Iter<'_, u8>, f: fn(&u8) -> bool) -> usize {
    leak();
    it.filter(|x| f(x)).count()
}

#[isolated(SIG)]
pub async fn async_unit() {
    leak();
}

#[isolated(SIG)]
pub async fn async_early_return(x: u32) -> Result<u32, String> {
    leak();
    if x == 0 {
        return Err("zero".into());
    }
    let y: u32 = "5".parse().map_err(|_| String::from("parse"))?;
    Ok(x + y)
}

#[isolated(SIG)]
pub fn impl_future(x: &str) -> impl Future<Output = usize> + '_ {
    leak();
    async move { x.len() }
}

#[isolated(SIG, shape = iterator)]
pub fn forced_iter(n: u32) -> SigIter {
    leak();
    Box::new(0..n)
}

pub type SigIter = Box<dyn Iterator<Item = u32>>;

#[derive(Debug)]
pub struct Holder<'h> {
    pub data: &'h [u32],
    pub n: u32,
}

impl<'h> Holder<'h> {
    #[isolated(SIG)]
    pub fn by_ref(&self) -> u32 {
        leak();
        self.n
    }

    #[isolated(SIG)]
    pub fn by_mut(&mut self) -> u32 {
        leak();
        self.n += 1;
        self.n
    }

    #[isolated(SIG)]
    pub fn by_value(self) -> u32 {
        leak();
        self.n
    }

    #[isolated(SIG)]
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        leak();
        self.data.iter().copied()
    }

    #[isolated(SIG)]
    pub fn iter_named<'s>(&'s self, skip: &'s usize) -> impl DoubleEndedIterator<Item = &'h u32> + 's {
        leak();
        self.data.iter().skip(*skip)
    }

    #[isolated(SIG)]
    pub fn boxed_iter(&self, odd: bool) -> Box<dyn Iterator<Item = u32> + '_> {
        leak();
        if odd {
            Box::new(self.data.iter().copied().filter(|x| x % 2 == 1))
        } else {
            Box::new(self.data.iter().copied())
        }
    }

    #[isolated(SIG)]
    pub async fn async_ref(&self, extra: &str) -> usize {
        leak();
        self.data.len() + extra.len()
    }

    #[isolated(SIG)]
    pub async fn async_mut(&mut self, by: &u32) -> u32 {
        leak();
        self.n += by;
        self.n
    }

    #[isolated(SIG)]
    pub async fn async_value(mut self) -> u32 {
        leak();
        self.n += 1;
        self.n
    }

    #[isolated(SIG)]
    pub async fn async_returns_borrow(&self) -> &'h [u32] {
        leak();
        self.data
    }

    #[isolated(SIG)]
    pub fn stream(&self) -> impl Stream<Item = u32> + '_ {
        leak();
        futures::stream::iter(self.data.iter().copied())
    }

    #[isolated(SIG)]
    pub fn boxed_stream(&self) -> BoxStream<'_, u32> {
        leak();
        Box::pin(futures::stream::iter(self.data.iter().copied()))
    }

    #[isolated(SIG)]
    pub fn boxed_future(&self) -> BoxFuture<'_, u32> {
        leak();
        Box::pin(async move { self.n })
    }

    #[isolated(SIG)]
    pub fn pinned_future(&self) -> Pin<Box<dyn Future<Output = u32> + Send + '_>> {
        leak();
        Box::pin(async move { self.n })
    }
}

#[derive(Debug)]
pub struct Wrapper<T>(pub T);

impl<T: Clone + Send + Sync> Wrapper<T> {
    #[isolated(SIG)]
    pub async fn get(&self) -> T {
        leak();
        self.0.clone()
    }
}

#[allow(async_fn_in_trait)]
pub trait Service {
    fn call(&self, x: &str) -> usize;
    async fn call_async(&self, x: &str) -> usize;
    fn call_send(&self, x: &str) -> impl Future<Output = usize> + Send;
    fn items(&self) -> impl Iterator<Item = u32>;
}

impl Service for Holder<'_> {
    #[isolated(SIG)]
    fn call(&self, x: &str) -> usize {
        leak();
        x.len() + self.data.len()
    }

    #[isolated(SIG)]
    async fn call_async(&self, x: &str) -> usize {
        leak();
        futures::future::ready(()).await;
        x.len() + self.data.len()
    }

    #[isolated(SIG)]
    async fn call_send(&self, x: &str) -> usize {
        leak();
        x.len() + self.data.len()
    }

    #[isolated(SIG)]
    fn items(&self) -> impl Iterator<Item = u32> {
        leak();
        self.data.iter().copied()
    }
}

/// Runs every function above, checking its result and that its `leak` stays
/// in its frame.
pub fn run_all() {
    fn check<R>(r: R) -> R {
        assert!(!leaked(), "a change leaked out of an isolated frame");
        r
    }
    let data = [1, 2, 3];
    let mut h = Holder { data: &data, n: 1 };
    let s = String::from("abc");

    assert_eq!(check(free(&s)), 3);
    no_locals();
    check(());
    assert_eq!(check(generic(5_u8, ())), 5);
    assert_eq!(check(apit(|x| x.len() * 2, &s)), 6);
    assert_eq!(check(lifetimes(&s, "x")), "abc");
    assert_eq!(check(block_on(async_elided(&s, b"xy"))), 5);
    assert_eq!(check(block_on(async_named(&s, "y"))), "abc");
    assert_eq!(check(block_on(async_generic(2_u32, |x| x * 3))), 6);
    assert_eq!(check(block_on(async_patterns((1, 2), 3, 4))), 6);
    assert_eq!(check(block_on(async_anonymous_path([1_u8, 2].iter(), |x| *x > 1))), 1);
    block_on(async_unit());
    check(());
    assert_eq!(check(block_on(async_early_return(0))), Err("zero".into()));
    assert_eq!(check(block_on(async_early_return(1))), Ok(6));
    assert_eq!(check(block_on(impl_future(&s))), 3);
    assert_eq!(check(forced_iter(3).sum::<u32>()), 3);

    assert_eq!(check(h.by_ref()), 1);
    assert_eq!(check(h.by_mut()), 2);
    assert_eq!(check(h.iter().sum::<u32>()), 6);
    let skip = 1;
    assert_eq!(check(h.iter_named(&skip).rev().copied().collect::<Vec<_>>()), [3, 2]);
    assert_eq!(check(h.boxed_iter(true).collect::<Vec<_>>()), [1, 3]);
    assert_eq!(check(block_on(h.async_ref("xy"))), 5);
    assert_eq!(check(block_on(h.async_mut(&2))), 4);
    assert_eq!(check(block_on(h.async_returns_borrow())), [1, 2, 3]);
    assert_eq!(check(block_on(h.stream().collect::<Vec<_>>())), [1, 2, 3]);
    assert_eq!(check(block_on(h.boxed_stream().collect::<Vec<_>>())), [1, 2, 3]);
    assert_eq!(check(block_on(h.boxed_future())), 4);
    assert_eq!(check(block_on(h.pinned_future())), 4);
    assert_eq!(check(block_on(Wrapper(7_u8).get())), 7);
    assert_eq!(check(h.call("ab")), 5);
    assert_eq!(check(block_on(h.call_async("ab"))), 5);
    assert_eq!(check(block_on(h.call_send("ab"))), 5);
    assert_eq!(check(h.items().count()), 3);
    assert_eq!(check(block_on(Holder { data: &data, n: 1 }.async_value())), 2);
    assert_eq!(check(h.by_value()), 4);
}
