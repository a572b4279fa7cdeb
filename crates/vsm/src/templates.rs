//! The maps bundled in the binary: the commented starter and the realistic examples.

/// A map `vsm init --template` can write.
#[derive(Debug)]
pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    pub file_name: &'static str,
    pub source: &'static str,
}

pub const STARTER: &str = include_str!("../../../templates/starter.yaml");

pub const TEMPLATES: &[Template] = &[
    Template {
        name: "feature-delivery",
        summary: "web product feature delivery with manual QA and a change advisory board",
        file_name: "examples/feature-delivery.yaml",
        source: include_str!("../../../examples/feature-delivery.yaml"),
    },
    Template {
        name: "platform-change",
        summary: "platform team's infrastructure change, policy scan beside the plan review",
        file_name: "examples/platform-change.yaml",
        source: include_str!("../../../examples/platform-change.yaml"),
    },
    Template {
        name: "regulated-release",
        summary: "regulated release with security review in parallel with verification",
        file_name: "examples/regulated-release.yaml",
        source: include_str!("../../../examples/regulated-release.yaml"),
    },
];

pub fn names() -> Vec<&'static str> {
    TEMPLATES.iter().map(|t| t.name).collect()
}

/// The example `vsm demo` analyzes.
pub fn demo() -> &'static Template {
    &TEMPLATES[0]
}

/// The text to write for `vsm init`: the starter, or a template with its schema reference
/// pointing at the schema file written next to it.
pub fn render(template: Option<&str>) -> String {
    match template.and_then(|name| TEMPLATES.iter().find(|t| t.name == name)) {
        Some(template) => template.source.replacen(
            "$schema=../schema/vsm-map.schema.json",
            "$schema=vsm-map.schema.json",
            1,
        ),
        None => STARTER.to_string(),
    }
}
