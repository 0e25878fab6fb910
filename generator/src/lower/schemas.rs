//! Schemas → named types ([`TypeDef`]) and type references ([`TypeRef`]).

use openapiv3 as oa;
use openapiv3::ReferenceOr;

use super::Lowerer;
use crate::diagnostics::Diagnostic;
use crate::ir::*;
use crate::load::PatternKey;
use crate::naming::{self, Namespace};
use crate::pointer::{join, unescape};

/// A property: its name, its schema and its pointer.
type Prop<'a> = (&'a String, &'a ReferenceOr<Box<oa::Schema>>, String);

impl<'a> Lowerer<'a> {
    pub(super) fn lower_component(
        &mut self,
        schema: &'a ReferenceOr<oa::Schema>,
        key: &str,
        name: &str,
        pointer: &str,
    ) {
        let ty = match schema {
            ReferenceOr::Reference { reference } => match self.schema_ref(reference, pointer) {
                Some(t) => t,
                None => return,
            },
            ReferenceOr::Item(s) => {
                if let Some(t) = self.named_shape(s, name, key, pointer) {
                    // A pattern schema of a group named otherwise: this name is an alias of it.
                    if !self.types.contains_key(name) {
                        self.types.insert(
                            name.to_owned(),
                            TypeDef {
                                name: Name { rust: name.to_owned(), api: key.to_owned() },
                                docs: naming::docs(s.schema_data.description.as_deref()),
                                pointer: pointer.to_owned(),
                                kind: TypeDefKind::Alias(t.clone()),
                            },
                        );
                    }
                    self.cache.insert(pointer.to_owned(), t);
                    return;
                }
                self.type_ref_inline(s, name, pointer)
            }
        };
        let docs = match schema {
            ReferenceOr::Item(s) => naming::docs(s.schema_data.description.as_deref()),
            _ => Vec::new(),
        };
        self.types.insert(
            name.to_owned(),
            TypeDef {
                name: Name { rust: name.to_owned(), api: key.to_owned() },
                docs,
                pointer: pointer.to_owned(),
                kind: TypeDefKind::Alias(demote(ty)),
            },
        );
    }

    /// If `s` needs a named type (struct, enum, pattern newtype), define it under `name` (the
    /// spec calls it `api`).
    fn named_shape(&mut self, s: &'a oa::Schema, name: &str, api: &str, pointer: &str) -> Option<TypeRef> {
        let docs = naming::docs(s.schema_data.description.as_deref().or(s.schema_data.title.as_deref()));
        let api = api.to_owned();
        let kind = match &s.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                let strings: Vec<&str> = st.enumeration.iter().flatten().map(String::as_str).collect();
                if !strings.is_empty() {
                    let mut vns = Namespace::with_reserved(&["Unknown"]);
                    let mut variants = Vec::new();
                    for v in strings {
                        let rust = vns.claim(&naming::pascal(if v.is_empty() { "Empty" } else { v }));
                        variants.push(Name { rust, api: v.to_owned() });
                    }
                    TypeDefKind::StringEnum { variants }
                } else if let Some(pattern) = &st.pattern {
                    let key = pattern_key(pattern, st);
                    match self.pattern_groups.get(&key).map(|g| g.name.clone()) {
                        Some(group) if group == name => self.mark_defined(&key),
                        Some(group) => return Some(self.group_type(s, &key, &group, pointer)),
                        None => {}
                    }
                    let matcher = match crate::pattern::compile(pattern) {
                        Ok(m) => Some(m),
                        Err(reason) => {
                            self.diags.push(
                                Diagnostic::warning(
                                    join(pointer, "pattern"),
                                    format!("pattern `{pattern}` of `{api}` is not checked by the client: {reason}"),
                                )
                                .with_help(
                                    "the type is generated with its length checks only; the server still \
                                     validates the pattern (`--strict` makes this an error)",
                                ),
                            );
                            None
                        }
                    };
                    let example = s
                        .schema_data
                        .example
                        .as_ref()
                        .and_then(|e| e.as_str())
                        .filter(|e| matcher.as_ref().is_some_and(|m| m.is_match(e)))
                        .map(str::to_owned);
                    TypeDefKind::Pattern(PatternType {
                        source: pattern.clone(),
                        matcher,
                        min_length: st.min_length.map(|v| v as u64),
                        max_length: st.max_length.map(|v| v as u64),
                        example,
                    })
                } else {
                    return None;
                }
            }
            oa::SchemaKind::Type(oa::Type::Integer(it)) if it.enumeration.iter().any(Option::is_some) => {
                let mut vns = Namespace::with_reserved(&["Unknown"]);
                let variants = it
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|v| {
                        let base = if *v < 0 { format!("Minus{}", v.unsigned_abs()) } else { format!("V{v}") };
                        (Name { rust: vns.claim(&base), api: v.to_string() }, *v)
                    })
                    .collect();
                TypeDefKind::IntEnum { variants }
            }
            oa::SchemaKind::Type(oa::Type::Object(obj)) if !obj.properties.is_empty() => {
                let props: Vec<Prop<'a>> =
                    obj.properties.iter().map(|(k, v)| (k, v, join(&join(pointer, "properties"), k))).collect();
                let required: Vec<&'a String> = obj.required.iter().collect();
                TypeDefKind::Struct { fields: self.fields(name, props, &required) }
            }
            oa::SchemaKind::AllOf { all_of } => {
                // Merge the members' properties into one struct (later members win).
                let mut props: Vec<Prop<'a>> = Vec::new();
                let mut required: Vec<&'a String> = Vec::new();
                let mut only_ref = None;
                let mut stack: Vec<(&'a ReferenceOr<oa::Schema>, String)> =
                    all_of.iter().enumerate().rev().map(|(i, m)| (m, format!("{pointer}/allOf/{i}"))).collect();
                let mut guard = 0;
                while let Some((member, at)) = stack.pop() {
                    guard += 1;
                    if guard > 256 {
                        self.err(pointer, "`allOf` nesting is too deep or cyclic");
                        break;
                    }
                    let (schema, at) = match member {
                        ReferenceOr::Reference { reference } => {
                            if all_of.len() == 1 {
                                only_ref = self.schema_ref(reference, &at);
                            }
                            match self.resolve_schema(reference, &at) {
                                Some(x) => x,
                                None => continue,
                            }
                        }
                        ReferenceOr::Item(s) => (s, at),
                    };
                    match &schema.schema_kind {
                        oa::SchemaKind::Type(oa::Type::Object(o)) => {
                            for (k, v) in &o.properties {
                                let p = join(&join(&at, "properties"), k);
                                match props.iter_mut().find(|x| x.0 == k) {
                                    // A later member refines the property; one that only
                                    // annotates it (`{example: ...}`) leaves its type alone.
                                    Some(_) if constrains_nothing(v) => {}
                                    Some(slot) => *slot = (k, v, p),
                                    None => props.push((k, v, p)),
                                }
                            }
                            required.extend(o.required.iter());
                        }
                        oa::SchemaKind::AllOf { all_of } => {
                            stack.extend(all_of.iter().enumerate().rev().map(|(i, m)| (m, format!("{at}/allOf/{i}"))));
                        }
                        _ => {}
                    }
                }
                match (props.is_empty(), only_ref) {
                    (true, Some(t)) => TypeDefKind::Alias(t),
                    (true, None) => TypeDefKind::Alias(TypeRef::Any),
                    (false, _) => TypeDefKind::Struct { fields: self.fields(name, props, &required) },
                }
            }
            oa::SchemaKind::OneOf { one_of: members } | oa::SchemaKind::AnyOf { any_of: members } => {
                let key = if matches!(s.schema_kind, oa::SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                let mut vns = Namespace::with_reserved(&["Unknown", "Other"]);
                let mut variants = Vec::new();
                let disc = s.schema_data.discriminator.as_ref();
                for (i, m) in members.iter().enumerate() {
                    let at = format!("{pointer}/{key}/{i}");
                    let (ty, base, schema_key) = match m {
                        ReferenceOr::Reference { reference } => {
                            let Some(t) = self.schema_ref(reference, &at) else { continue };
                            let key = reference.rsplit('/').next().map(unescape).unwrap_or_default();
                            let base = match &t {
                                TypeRef::Named(n) => n.clone(),
                                _ => format!("Variant{i}"),
                            };
                            (t, base, Some((key, reference.clone())))
                        }
                        ReferenceOr::Item(ms) => {
                            let base = ms
                                .schema_data
                                .title
                                .as_deref()
                                .map(naming::pascal)
                                .unwrap_or_else(|| variant_base(ms, i));
                            let ctx = format!("{name}{base}");
                            (demote(self.type_ref_inline(ms, &ctx, &at)), base, None)
                        }
                    };
                    let mut tags = Vec::new();
                    if let (Some(d), Some((key, reference))) = (disc, &schema_key) {
                        let mut mapped = false;
                        for (tag, target) in &d.mapping {
                            if target == reference || target == key {
                                tags.push(tag.clone());
                                mapped = true;
                            }
                        }
                        if !mapped {
                            tags.push(key.clone());
                        }
                    }
                    variants.push(Variant {
                        name: Name { rust: vns.claim(&base), api: base.clone() },
                        ty,
                        tags,
                        boxed: false,
                    });
                }
                if disc.is_some() && variants.iter().any(|v| v.tags.is_empty()) {
                    self.diags.push(
                        Diagnostic::new(
                            join(pointer, key),
                            "a `oneOf` with a `discriminator` must list `$ref` members",
                        )
                        .with_help("move inline members to components/schemas"),
                    );
                }
                TypeDefKind::OneOf { variants, discriminator: disc.map(|d| d.property_name.clone()) }
            }
            _ => return None,
        };
        self.types.insert(
            name.to_owned(),
            TypeDef { name: Name { rust: name.to_owned(), api }, docs, pointer: pointer.to_owned(), kind },
        );
        Some(TypeRef::Named(name.to_owned()))
    }

    /// Struct fields from properties (with their JSON pointers) and the `required` list.
    fn fields(&mut self, owner: &str, props: Vec<Prop<'a>>, required: &[&'a String]) -> Vec<Field> {
        let mut fields_ns = Namespace::default();
        let mut setters = Namespace::with_reserved(&["new", "validate"]);
        let mut fields = Vec::new();
        for (prop, schema, p) in props {
            let rust = fields_ns.claim(&naming::snake(prop));
            let setter = setters.claim(&naming::setter(&rust));
            let (ty, nullable, fdocs, constraints) = match schema {
                ReferenceOr::Reference { reference } => match self.schema_ref(reference, &p) {
                    // A `$ref` with a sibling `description` keeps it.
                    Some(t) => {
                        (t, false, naming::docs(self.ref_docs.get(&p).map(String::as_str)), Constraints::default())
                    }
                    None => continue,
                },
                ReferenceOr::Item(fs) => {
                    let ctx = format!("{owner}{}", naming::pascal(prop));
                    let ty = self.type_ref_inline(fs, &ctx, &p);
                    (ty, fs.schema_data.nullable, naming::docs(fs.schema_data.description.as_deref()), constraints(fs))
                }
            };
            fields.push(Field {
                pointer: p.clone(),
                name: Name { rust, api: prop.clone() },
                setter,
                ty,
                required: required.contains(&prop),
                nullable,
                docs: fdocs,
                constraints,
                boxed: false,
                absent_vs_null: false,
            });
        }
        fields
    }

    /// The type of an inline schema; named shapes get `ctx` (made unique) as their name.
    fn type_ref_inline(&mut self, s: &'a oa::Schema, ctx: &str, pointer: &str) -> TypeRef {
        if let Some(t) = self.cache.get(pointer) {
            return t.clone();
        }
        let needs_name = match &s.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                st.pattern.is_some() || st.enumeration.iter().any(Option::is_some)
            }
            oa::SchemaKind::Type(oa::Type::Integer(it)) => it.enumeration.iter().any(Option::is_some),
            oa::SchemaKind::Type(oa::Type::Object(o)) => !o.properties.is_empty(),
            oa::SchemaKind::AllOf { .. } | oa::SchemaKind::OneOf { .. } | oa::SchemaKind::AnyOf { .. } => true,
            _ => false,
        };
        // `allOf: [$ref]` (a reference with a description or `nullable` beside it) is the
        // referenced type itself, not a copy of it.
        if let oa::SchemaKind::AllOf { all_of } = &s.schema_kind {
            if let [ReferenceOr::Reference { reference }] = all_of.as_slice() {
                let t = self.schema_ref(reference, &format!("{pointer}/allOf/0")).unwrap_or(TypeRef::Any);
                self.cache.insert(pointer.to_owned(), t.clone());
                return t;
            }
        }
        if let oa::SchemaKind::Type(oa::Type::String(st)) = &s.schema_kind {
            if let (Some(pattern), true) = (&st.pattern, st.enumeration.is_empty()) {
                let key = pattern_key(pattern, st);
                if let Some(group) = self.pattern_groups.get(&key).map(|g| g.name.clone()) {
                    let t = self.group_type(s, &key, &group, pointer);
                    self.cache.insert(pointer.to_owned(), t.clone());
                    return t;
                }
            }
        }
        // Inline string enums that want the same name and list the same values (a
        // `Content-Encoding` header and parameter both listing `gzip`, `deflate`, …) are one
        // type, not `ContentEncoding` and `ContentEncoding2`.
        let enum_key: Option<(String, Vec<String>)> = match &s.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) if st.pattern.is_none() && !st.enumeration.is_empty() => {
                Some((ctx.to_owned(), st.enumeration.iter().flatten().cloned().collect()))
            }
            _ => None,
        };
        if let Some(existing) = enum_key.as_ref().and_then(|k| self.inline_enums.get(k)) {
            let t = TypeRef::Named(existing.clone());
            self.cache.insert(pointer.to_owned(), t.clone());
            return t;
        }
        let t = if needs_name {
            let name = self.ns.claim(ctx);
            if let Some(k) = enum_key {
                self.inline_enums.insert(k, name.clone());
            }
            // While its members are lowered, a schema that leads back here refers to this
            // name (recursion through `allOf` members would otherwise never end).
            self.cache.insert(pointer.to_owned(), TypeRef::Named(name.clone()));
            let t = self.named_shape(s, &name, &name, pointer);
            if !self.types.contains_key(&name) {
                let target = t.unwrap_or(TypeRef::Any);
                let def = TypeDef {
                    name: Name { rust: name.clone(), api: name.clone() },
                    docs: Vec::new(),
                    pointer: pointer.to_owned(),
                    kind: TypeDefKind::Alias(demote(target)),
                };
                self.types.insert(name.clone(), def);
            }
            TypeRef::Named(name)
        } else {
            match &s.schema_kind {
                oa::SchemaKind::Type(oa::Type::String(st)) => match &st.format {
                    oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime) => TypeRef::DateTime,
                    oa::VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => TypeRef::Uuid,
                    // Bytes of a file (a multipart part); `byte` (base64 text) stays a string.
                    oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Binary) => TypeRef::File,
                    _ => TypeRef::String,
                },
                oa::SchemaKind::Type(oa::Type::Boolean(_)) => TypeRef::Bool,
                oa::SchemaKind::Type(oa::Type::Integer(i)) => {
                    let bits32 = matches!(i.format, oa::VariantOrUnknownOrEmpty::Item(oa::IntegerFormat::Int32));
                    if !bits32 && i.minimum.is_some_and(|m| m >= 0) {
                        TypeRef::Unsigned
                    } else {
                        TypeRef::Integer { bits32 }
                    }
                }
                oa::SchemaKind::Type(oa::Type::Number(n)) => TypeRef::Number {
                    bits32: matches!(n.format, oa::VariantOrUnknownOrEmpty::Item(oa::NumberFormat::Float)),
                },
                oa::SchemaKind::Type(oa::Type::Array(a)) => {
                    let p = join(pointer, "items");
                    let item = match &a.items {
                        None => TypeRef::Any,
                        Some(ReferenceOr::Reference { reference }) => {
                            self.schema_ref(reference, &p).unwrap_or(TypeRef::Any)
                        }
                        Some(ReferenceOr::Item(b)) => self.type_ref_inline(b, &format!("{ctx}Item"), &p),
                    };
                    TypeRef::Array(Box::new(demote(item)))
                }
                oa::SchemaKind::Type(oa::Type::Object(o)) => match &o.additional_properties {
                    Some(oa::AdditionalProperties::Schema(s)) => {
                        let p = join(pointer, "additionalProperties");
                        let v = match &**s {
                            ReferenceOr::Reference { reference } => {
                                self.schema_ref(reference, &p).unwrap_or(TypeRef::Any)
                            }
                            ReferenceOr::Item(b) => self.type_ref_inline(b, &format!("{ctx}Value"), &p),
                        };
                        TypeRef::Map(Box::new(demote(v)))
                    }
                    _ => TypeRef::Map(Box::new(TypeRef::Any)),
                },
                _ => TypeRef::Any,
            }
        };
        self.cache.insert(pointer.to_owned(), t.clone());
        t
    }

    /// The type of a pattern group, defined (from `s`, its first schema lowered) if it is not yet.
    fn group_type(&mut self, s: &'a oa::Schema, key: &PatternKey, group: &str, pointer: &str) -> TypeRef {
        if !self.pattern_groups.get(key).is_some_and(|g| g.defined) {
            self.mark_defined(key);
            self.named_shape(s, group, group, pointer);
        }
        TypeRef::Named(group.to_owned())
    }

    fn mark_defined(&mut self, key: &PatternKey) {
        if let Some(g) = self.pattern_groups.get_mut(key) {
            g.defined = true;
        }
    }

    /// The type of a schema that may be a `$ref`.
    pub(super) fn type_of(&mut self, s: &'a ReferenceOr<oa::Schema>, ctx: &str, pointer: &str) -> Option<TypeRef> {
        match s {
            ReferenceOr::Reference { reference } => self.schema_ref(reference, pointer),
            ReferenceOr::Item(s) => Some(demote(self.type_ref_inline(s, ctx, pointer))),
        }
    }
}

/// A schema with no type and no constraint: annotations only (`{example: ...}`).
fn constrains_nothing(s: &ReferenceOr<Box<oa::Schema>>) -> bool {
    matches!(s, ReferenceOr::Item(s) if matches!(&s.schema_kind, oa::SchemaKind::Any(a) if *a == oa::AnySchema::default()))
}

/// What makes two pattern schemas one type.
fn pattern_key(pattern: &str, st: &oa::StringType) -> PatternKey {
    PatternKey {
        pattern: pattern.to_owned(),
        min_length: st.min_length.map(|v| v as u64),
        max_length: st.max_length.map(|v| v as u64),
    }
}

/// A variant name for an inline `oneOf` member without a title.
fn variant_base(s: &oa::Schema, i: usize) -> String {
    match &s.schema_kind {
        oa::SchemaKind::Type(oa::Type::String(_)) => "String".to_owned(),
        oa::SchemaKind::Type(oa::Type::Integer(_)) => "Integer".to_owned(),
        oa::SchemaKind::Type(oa::Type::Number(_)) => "Number".to_owned(),
        oa::SchemaKind::Type(oa::Type::Boolean(_)) => "Boolean".to_owned(),
        oa::SchemaKind::Type(oa::Type::Array(_)) => "Array".to_owned(),
        oa::SchemaKind::Type(oa::Type::Object(_)) => format!("Object{i}"),
        _ => format!("Variant{i}"),
    }
}

/// Validation keywords of a schema that the client checks before sending.
pub(super) fn constraints(s: &oa::Schema) -> Constraints {
    match &s.schema_kind {
        oa::SchemaKind::Type(oa::Type::String(st)) => Constraints {
            min_length: st.min_length.map(|v| v as u64),
            max_length: st.max_length.map(|v| v as u64),
            ..Constraints::default()
        },
        oa::SchemaKind::Type(oa::Type::Integer(it)) => Constraints {
            minimum: it.minimum.map(|v| v as f64),
            maximum: it.maximum.map(|v| v as f64),
            ..Constraints::default()
        },
        oa::SchemaKind::Type(oa::Type::Number(nt)) => {
            Constraints { minimum: nt.minimum, maximum: nt.maximum, ..Constraints::default() }
        }
        oa::SchemaKind::Type(oa::Type::Array(at)) => Constraints {
            min_items: at.min_items.map(|v| v as u64),
            max_items: at.max_items.map(|v| v as u64),
            ..Constraints::default()
        },
        _ => Constraints::default(),
    }
}

/// `date-time` becomes `time::OffsetDateTime` only in struct fields (where the generator adds
/// the RFC 3339 serde attributes); elsewhere it stays a `String`.
pub(super) fn demote(t: TypeRef) -> TypeRef {
    match t {
        TypeRef::DateTime => TypeRef::String,
        t => t,
    }
}
