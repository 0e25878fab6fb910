//! Pattern types: string schemas that validate alike (same `pattern`, same length bounds) are one
//! Rust type, whatever the spec calls them where, so an identifier read from a response is the
//! type the calls take (`Store.id` and the `storeId` parameter are both `StoreId`). Each type is
//! named after what the spec calls it most: every place votes for a name (a component's key
//! weighs most, then parameters, then `…Id` properties, …), and the best name no other type has
//! wins; never a numbered duplicate while another candidate is free. A name that two groups
//! both want most (`source` of observations and of summaries) goes to neither: each is then
//! named after the objects that hold it (`ObservationSource`, `SummarySource`).

use std::collections::BTreeMap;

use super::Lowerer;
use crate::load::{PatternKey, PatternSite, SiteContext};
use crate::naming;

/// A group's Rust name and whether its type is defined yet.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub name: String,
    pub defined: bool,
    /// Where the spec uses it, for its documentation.
    pub uses: String,
    /// The first description among its uses (components first, then parameters, …).
    pub description: Option<String>,
}

/// The description a group's type gets when the schema it was defined from has none.
fn description(sites: &[&PatternSite]) -> Option<String> {
    let rank = |s: &PatternSite| match s.context {
        SiteContext::Component(_) => 0,
        SiteContext::Param(_) => 1,
        SiteContext::Property { .. } => 2,
        SiteContext::Header(_) => 3,
        SiteContext::Item(_) => 4,
        SiteContext::Other => 5,
    };
    let mut with: Vec<&&PatternSite> = sites.iter().filter(|s| s.description.is_some()).collect();
    with.sort_by_key(|s| rank(s));
    with.first().and_then(|s| s.description.clone())
}

/// "The spec uses it for the `storeId` parameter, `Store.id` and the items of `stores`."
fn uses(sites: &[&PatternSite]) -> String {
    const SHOWN: usize = 6;
    let mut parts = std::collections::BTreeSet::new();
    for site in sites {
        let part = match &site.context {
            SiteContext::Component(k) => (0, format!("`{k}`")),
            SiteContext::Param(n) => (1, format!("the `{n}` parameter")),
            SiteContext::Header(n) => (2, format!("the `{n}` header")),
            SiteContext::Property { parent, name } if !parent.is_empty() => (3, format!("`{parent}.{name}`")),
            SiteContext::Property { name, .. } => (3, format!("`{name}`")),
            SiteContext::Item(holder) => (4, format!("the items of `{holder}`")),
            SiteContext::Other => continue,
        };
        parts.insert(part);
    }
    let mut parts: Vec<String> = parts.into_iter().map(|p| p.1).collect();
    let more = parts.len().saturating_sub(SHOWN);
    parts.truncate(SHOWN);
    let list = match (parts.len(), more) {
        (0, _) => return String::new(),
        (1, 0) => parts[0].clone(),
        (_, 0) => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
        _ => format!("{} and {more} more", parts.join(", ")),
    };
    format!("The spec uses it for {list}.")
}

/// Names a site proposes, with their weights.
fn candidates(site: &PatternSite) -> Vec<(String, u32)> {
    match &site.context {
        SiteContext::Component(k) => vec![(naming::pascal(k), 6)],
        SiteContext::Param(n) => vec![(naming::pascal(n), 4)],
        SiteContext::Header(n) => vec![(naming::pascal(n), 2)],
        SiteContext::Property { parent, name } => {
            let prop = naming::pascal(name);
            let qualified = (format!("{}{prop}", naming::pascal(parent)), 0);
            if matches!(name.to_ascii_lowercase().as_str(), "id" | "sid") && !parent.is_empty() {
                vec![(format!("{}Id", naming::pascal(parent)), 4)]
            } else if prop.ends_with("Id") || prop.ends_with("Sid") {
                vec![(prop, 4), qualified]
            } else {
                vec![(prop, 2), qualified]
            }
        }
        SiteContext::Item(holder) => {
            let one = holder.strip_suffix('s').unwrap_or(holder);
            vec![(naming::pascal(one), 1), (format!("{}Item", naming::pascal(holder)), 0)]
        }
        SiteContext::Other => Vec::new(),
    }
}

/// PascalCase words: `RecallObservationInfo` → `Recall`, `Observation`, `Info`.
fn words(pascal: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in pascal.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            out.push(&pascal[start..i]);
            start = i;
        }
    }
    if start < pascal.len() {
        out.push(&pascal[start..]);
    }
    out
}

/// For a group whose sites are mostly one property, that property qualified by what most of
/// its holders' names start with: `ObservationCore.source`, `ObservationInfo.source` →
/// `ObservationSource`.
fn qualified(sites: &[&PatternSite]) -> Option<String> {
    let mut by_prop: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for site in sites {
        if let SiteContext::Property { parent, name } = &site.context {
            by_prop.entry(naming::pascal(name)).or_default().push(naming::pascal(parent));
        }
    }
    let (prop, parents) = by_prop.into_iter().max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(&a.0)))?;
    // Word prefixes of the holders' names, by how many holders start with them.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for parent in &parents {
        let w = words(parent);
        // A holder counts once per prefix (`Recall…` also contributes its later words).
        let mut seen = std::collections::BTreeSet::new();
        for start in 0..w.len() {
            for end in start + 1..=w.len() {
                let prefix = w[start..end].concat();
                if seen.insert(prefix.clone()) {
                    *counts.entry(prefix).or_default() += 1;
                }
            }
        }
    }
    let best = counts
        .into_iter()
        .filter(|(p, _)| !p.ends_with(&prop))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.len().cmp(&b.0.len())).then_with(|| b.0.cmp(&a.0)))?;
    Some(format!("{}{prop}", best.0))
}

/// Candidate order: more votes first, then the shorter name (`OwnerId` before
/// `LegacyOwnerId`), then alphabetical.
fn preference(a: (&String, u32), b: (&String, u32)) -> std::cmp::Ordering {
    b.1.cmp(&a.1).then_with(|| a.0.len().cmp(&b.0.len())).then_with(|| a.0.cmp(b.0))
}

impl Lowerer<'_> {
    /// Name every group of pattern schemas. Runs after component names are claimed: a group
    /// may take the name of a component of its own, never another type's.
    pub(super) fn name_pattern_groups(&mut self, sites: &[PatternSite]) {
        let mut votes: BTreeMap<&PatternKey, BTreeMap<String, u32>> = BTreeMap::new();
        let mut own: BTreeMap<&PatternKey, Vec<String>> = BTreeMap::new();
        let mut by_key: BTreeMap<&PatternKey, Vec<&PatternSite>> = BTreeMap::new();
        for site in sites {
            by_key.entry(&site.key).or_default().push(site);
            let tally = votes.entry(&site.key).or_default();
            for (name, weight) in candidates(site) {
                *tally.entry(name).or_default() += weight;
            }
            if let SiteContext::Component(k) = &site.context {
                if let Some(n) = self.component_names.get(k) {
                    own.entry(&site.key).or_default().push(n.clone());
                }
            }
        }
        // The name each group wants most; one wanted most by two groups goes to neither, they
        // fall back to qualified names.
        let favourite = |tally: &BTreeMap<String, u32>| {
            tally.iter().min_by(|a, b| preference((a.0, *a.1), (b.0, *b.1))).map(|(n, _)| n.clone())
        };
        let mut wanted: BTreeMap<String, usize> = BTreeMap::new();
        for tally in votes.values() {
            if let Some(n) = favourite(tally) {
                *wanted.entry(n).or_default() += 1;
            }
        }
        // The most-used groups choose first.
        let mut groups: Vec<(&PatternKey, Vec<(String, u32)>)> = votes
            .into_iter()
            .map(|(k, mut tally)| {
                if let Some(f) = favourite(&tally).filter(|f| wanted[f] > 1) {
                    tally.remove(&f);
                    if let Some(q) = qualified(&by_key[k]) {
                        *tally.entry(q).or_default() += 1;
                    }
                }
                let mut c: Vec<(String, u32)> = tally.into_iter().collect();
                c.sort_by(|a, b| preference((&a.0, a.1), (&b.0, b.1)));
                (k, c)
            })
            .collect();
        groups.sort_by(|a, b| {
            let total = |c: &[(String, u32)]| c.iter().map(|x| x.1).sum::<u32>();
            total(&b.1).cmp(&total(&a.1)).then_with(|| a.0.cmp(b.0))
        });
        for (key, candidates) in groups {
            let mine = own.get(key).cloned().unwrap_or_default();
            let pick = candidates.iter().map(|(n, _)| n.clone()).find(|n| {
                mine.contains(n) || (!self.ns.contains(n) && !self.pattern_groups.values().any(|g| &g.name == n))
            });
            let Some(name) = pick else { continue };
            if !mine.contains(&name) {
                self.ns.claim(&name);
            }
            let sites = &by_key[key];
            // Worth saying unless the type is one component's and used nowhere else.
            let uses = match sites.as_slice() {
                [one] if matches!(one.context, SiteContext::Component(_)) => String::new(),
                _ => uses(sites),
            };
            let description = description(sites);
            self.pattern_groups.insert(key.clone(), Group { name, defined: false, uses, description });
        }
    }
}

impl Lowerer<'_> {
    /// Say in each group type's documentation where the spec uses it.
    pub(super) fn document_pattern_groups(&mut self) {
        for g in self.pattern_groups.values() {
            if let Some(t) = self.types.get_mut(&g.name) {
                if t.docs.is_empty() {
                    t.docs = crate::naming::docs(g.description.as_deref());
                }
                if !g.uses.is_empty() {
                    if !t.docs.is_empty() {
                        t.docs.push(String::new());
                    }
                    t.docs.push(crate::naming::docs(Some(&g.uses)).concat());
                }
            }
        }
    }
}
