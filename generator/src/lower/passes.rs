//! Whole-API passes that run after every type and operation is lowered. Both walk the type
//! graph through [`TypeDefKind::children`].

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::*;

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
