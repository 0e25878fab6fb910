//! Whole-API passes that run after every type and operation is lowered. Both walk the type
//! graph through [`TypeDefKind::children`].

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::*;

/// Aliases that lead back to themselves through other aliases (`A = B`, `B = A`) or through an
/// array or map (`Tree = Vec<Tree>`) cannot be type aliases in Rust. The first alias of each
/// such cycle (in name order) becomes a newtype when the cycle goes through a container, and
/// `serde_json::Value` when it does not (a loop of aliases describes no shape).
pub(super) fn break_alias_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let Some(TypeDefKind::Alias(start)) = types.get(&name).map(|t| &t.kind) else { continue };
        let mut target = start.clone();
        let mut through_container = false;
        let mut seen = BTreeSet::new();
        let cyclic = loop {
            // Through arrays and maps to the named type, if any.
            let mut t = &target;
            while let TypeRef::Array(inner) | TypeRef::Map(inner) = t {
                through_container = true;
                t = inner;
            }
            let TypeRef::Named(n) = t else { break false };
            if *n == name {
                break true;
            }
            if !seen.insert(n.clone()) {
                break false;
            }
            match types.get(n).map(|d| &d.kind) {
                Some(TypeDefKind::Alias(next)) => target = next.clone(),
                _ => break false,
            }
        };
        if cyclic {
            if let Some(t) = types.get_mut(&name) {
                t.kind = match &t.kind {
                    TypeDefKind::Alias(inner) if through_container => TypeDefKind::Newtype(inner.clone()),
                    _ => TypeDefKind::Alias(TypeRef::Any),
                };
            }
        }
    }
}

/// Box fields (and variants) whose type leads back to the type that holds them, so recursive
/// schemas have a finite size. Only direct references count: a `Vec` or map already allocates.
pub(super) fn box_recursive_fields(types: &mut BTreeMap<String, TypeDef>) {
    let direct = |t: &TypeRef| match t {
        TypeRef::Named(n) => Some(n.clone()),
        _ => None,
    };
    let graph: BTreeMap<String, Vec<String>> =
        types.iter().map(|(k, t)| (k.clone(), t.kind.children().into_iter().filter_map(direct).collect())).collect();
    let reaches = |from: &str, target: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(graph.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for (name, t) in types.iter_mut() {
        match &mut t.kind {
            TypeDefKind::Struct { fields } => {
                for f in fields {
                    f.boxed = direct(&f.ty).is_some_and(|n| reaches(&n, name));
                }
            }
            TypeDefKind::OneOf { variants, .. } => {
                for v in variants {
                    v.boxed = direct(&v.ty).is_some_and(|n| reaches(&n, name));
                }
            }
            _ => {}
        }
    }
}

/// Find the named types reachable from request bodies and parameters; in those, an optional
/// and nullable field distinguishes "absent" from `null` (e.g. a PATCH that clears a field).
pub(super) fn mark_sent_types(types: &mut BTreeMap<String, TypeDef>, ops: &[Operation]) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    for op in ops {
        if let Some(b) = &op.body {
            b.ty.collect_names(&mut stack);
            for a in &b.alternatives {
                a.ty.collect_names(&mut stack);
            }
        }
        for p in &op.params {
            p.ty.collect_names(&mut stack);
        }
    }
    let mut sent = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if !sent.insert(n.clone()) {
            continue;
        }
        if let Some(t) = types.get(&n) {
            for child in t.kind.children() {
                child.collect_names(&mut stack);
            }
        }
    }
    for n in &sent {
        if let Some(TypeDefKind::Struct { fields }) = types.get_mut(n).map(|t| &mut t.kind) {
            for f in fields {
                f.absent_vs_null = !f.required && f.nullable;
            }
        }
    }
    sent.into_iter().collect()
}

/// `size_of::<http::HeaderMap>()` on 64-bit targets (checked by `tests/tests/layout.rs`).
pub const HEADER_MAP_SIZE: u64 = 96;

/// Clippy's `large_enum_variant` threshold (`enum-variant-size-threshold`), in bytes.
const VARIANT_SIZE_THRESHOLD: u64 = 200;

/// Box enum variants (of `oneOf` enums, and of operations' success and error enums) whose size
/// could exceed every other variant's by more than clippy's threshold, so no value of the enum
/// carries a large variant's size. Sizes are estimated as bounds (see [`Sizes`]), so the rule
/// holds whatever the exact layout is.
pub(super) fn box_large_variants(types: &mut BTreeMap<String, TypeDef>, ops: &mut [Operation]) {
    let mut decisions: Vec<(String, Vec<bool>)> = Vec::new();
    let mut op_decisions: Vec<Vec<bool>> = Vec::new();
    {
        let mut sizes = Sizes { types, memo: BTreeMap::new(), busy: BTreeSet::new() };
        for (name, t) in types.iter() {
            if let TypeDefKind::OneOf { variants, .. } = &t.kind {
                let mut bounds: Vec<Bounds> =
                    variants.iter().map(|v| if v.boxed { BOX } else { sizes.of(&v.ty) }).collect();
                // `Unknown(Value)` or `Other(Value)`.
                bounds.push(VALUE);
                let mut boxed = choose_boxes(&bounds);
                boxed.pop();
                decisions.push((name.clone(), boxed));
            }
        }
        for op in ops.iter() {
            let mut boxed = vec![false; op.responses.len()];
            let successes: Vec<usize> = (0..op.responses.len()).filter(|&i| op.responses[i].success).collect();
            if successes.len() > 1 {
                let bounds: Vec<Bounds> = successes.iter().map(|&i| sizes.response(&op.responses[i])).collect();
                for (k, b) in choose_boxes(&bounds).into_iter().enumerate() {
                    boxed[successes[k]] = b;
                }
            }
            let errors: Vec<usize> = (0..op.responses.len()).filter(|&i| !op.responses[i].success).collect();
            let mut bounds: Vec<Bounds> = errors.iter().map(|&i| sizes.response(&op.responses[i])).collect();
            // `Unhandled(UnhandledResponse)`: status, headers, body text.
            bounds.push(Bounds { lo: 2 + HEADER_MAP_SIZE + 24, hi: 8 + HEADER_MAP_SIZE + 24 });
            for (k, b) in choose_boxes(&bounds).into_iter().enumerate().take(errors.len()) {
                boxed[errors[k]] = b;
            }
            op_decisions.push(boxed);
        }
    }
    for (name, boxed) in decisions {
        if let Some(TypeDefKind::OneOf { variants, .. }) = types.get_mut(&name).map(|t| &mut t.kind) {
            for (v, b) in variants.iter_mut().zip(boxed) {
                v.boxed |= b;
            }
        }
    }
    for (op, boxed) in ops.iter_mut().zip(op_decisions) {
        for (r, b) in op.responses.iter_mut().zip(boxed) {
            r.boxed = b;
        }
    }
}

/// Which variants to box: while some unboxed variant may exceed every other variant by more
/// than the threshold (its upper bound minus the largest lower bound of the others), box the
/// largest such one.
fn choose_boxes(variants: &[Bounds]) -> Vec<bool> {
    let mut boxed = vec![false; variants.len()];
    loop {
        let size = |i: usize, boxed: &[bool]| if boxed[i] { BOX } else { variants[i] };
        let worst = (0..variants.len())
            .filter(|&i| !boxed[i])
            .filter(|&i| {
                let others = (0..variants.len()).filter(|&k| k != i).map(|k| size(k, &boxed).lo).max();
                others.is_some_and(|lo| size(i, &boxed).hi > lo + VARIANT_SIZE_THRESHOLD)
            })
            .max_by_key(|&i| variants[i].hi);
        match worst {
            Some(i) => boxed[i] = true,
            None => return boxed,
        }
    }
}

/// Lower and upper bounds of a size in bytes (64-bit targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bounds {
    lo: u64,
    hi: u64,
}

const BOX: Bounds = Bounds { lo: 8, hi: 8 };
const VALUE: Bounds = Bounds { lo: 32, hi: 32 };
const STRING: Bounds = Bounds { lo: 24, hi: 24 };

fn round8(n: u64) -> u64 {
    n.div_ceil(8) * 8
}

/// Size bounds of the types generated code declares. The lower bound ignores padding and niche
/// tricks the other way (an `Option` adds nothing); the upper bound pads every field to 8 bytes
/// and gives every `Option` its own 8-byte tag.
struct Sizes<'t> {
    types: &'t BTreeMap<String, TypeDef>,
    memo: BTreeMap<String, Bounds>,
    busy: BTreeSet<String>,
}

impl Sizes<'_> {
    fn of(&mut self, t: &TypeRef) -> Bounds {
        let b = |n: u64| Bounds { lo: n, hi: n };
        match t {
            TypeRef::String | TypeRef::Array(_) | TypeRef::Map(_) => STRING,
            TypeRef::Bool => b(1),
            TypeRef::Integer { bits32: true } | TypeRef::Number { bits32: true } => b(4),
            TypeRef::Integer { bits32: false } | TypeRef::Number { bits32: false } | TypeRef::Unsigned => b(8),
            TypeRef::Any => VALUE,
            TypeRef::DateTime | TypeRef::Uuid => b(16),
            // `bytes::Bytes` is four words; `FilePart` adds two `Option<String>`.
            TypeRef::Bytes => b(32),
            TypeRef::File => b(80),
            TypeRef::Named(n) => self.named(n),
        }
    }

    fn named(&mut self, name: &str) -> Bounds {
        if let Some(b) = self.memo.get(name) {
            return *b;
        }
        // A type that contains itself does so behind a box (or a collection).
        if !self.busy.insert(name.to_owned()) {
            return BOX;
        }
        let bounds = match self.types.get(name).map(|t| &t.kind) {
            Some(TypeDefKind::Struct { fields }) => {
                let mut total = Bounds { lo: 0, hi: 0 };
                for f in fields {
                    let inner = if f.boxed { BOX } else { self.of(&f.ty) };
                    let options = if f.required && !f.nullable {
                        0
                    } else if f.absent_vs_null {
                        2
                    } else {
                        1
                    };
                    total.lo += inner.lo;
                    total.hi += round8(inner.hi) + 8 * options;
                }
                total
            }
            Some(TypeDefKind::OneOf { variants, .. }) => {
                let mut out = VALUE;
                for v in variants {
                    let inner = if v.boxed { BOX } else { self.of(&v.ty) };
                    out = Bounds { lo: out.lo.max(inner.lo), hi: out.hi.max(inner.hi) };
                }
                Bounds { lo: out.lo, hi: round8(out.hi) + 8 }
            }
            Some(TypeDefKind::Pattern(_)) => STRING,
            Some(TypeDefKind::StringEnum { .. }) => Bounds { lo: 24, hi: 32 },
            Some(TypeDefKind::IntEnum { .. }) => Bounds { lo: 8, hi: 16 },
            Some(TypeDefKind::Alias(t) | TypeDefKind::Newtype(t)) => self.of(t),
            None => VALUE,
        };
        self.busy.remove(name);
        self.memo.insert(name.to_owned(), bounds);
        bounds
    }

    /// `rt::Response<B, H>`: status, body, typed headers (all `Option`s), raw headers.
    fn response(&mut self, r: &Response) -> Bounds {
        let mut body = r.body.as_ref().map_or(Bounds { lo: 0, hi: 0 }, |t| self.of(t));
        if !r.success && r.body.is_some() {
            // `rt::ErrorBody<B>`: the body or its text.
            body = Bounds { lo: body.lo.min(24), hi: round8(body.hi.max(24)) + 8 };
        }
        let mut headers = Bounds { lo: 0, hi: 0 };
        for h in &r.headers {
            let b = self.of(&h.ty);
            headers.lo += b.lo;
            headers.hi += round8(b.hi) + 8;
        }
        Bounds {
            lo: 2 + body.lo + headers.lo + HEADER_MAP_SIZE,
            hi: 8 + round8(body.hi) + headers.hi + HEADER_MAP_SIZE,
        }
    }
}
