//! The outputs vsm writes, each with its name, file extension and media type: one type for the
//! command line's `--format`, a file name's extension and a server's `Content-Type`.

use std::path::Path;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    Markdown,
    Json,
    /// A map file (YAML).
    Yaml,
    Svg,
    Png,
    /// A one-page PDF, for a plotter or a printer.
    Pdf,
    /// A self-contained HTML page.
    Html,
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

impl Format {
    /// Every format, in the order help lists them.
    pub const ALL: [Format; 10] = [
        Format::Text,
        Format::Markdown,
        Format::Json,
        Format::Yaml,
        Format::Svg,
        Format::Png,
        Format::Pdf,
        Format::Html,
        Format::Mermaid,
        Format::Dot,
    ];

    /// The name `--format` takes: `text`, `json`, `svg`...
    pub fn name(self) -> &'static str {
        self.table().0
    }

    /// The extension of a file in this format, without the dot.
    pub fn extension(self) -> &'static str {
        self.table().1[0]
    }

    /// The media type, as a server sends it.
    pub fn media_type(self) -> &'static str {
        self.table().2
    }

    /// Whether the output is bytes rather than text.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Png | Format::Pdf)
    }

    /// The format named `name` (as [`Format::name`] gives it).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The format a file extension promises (any case): `svg`, `htm`, `gv`...
    pub fn from_extension(extension: &str) -> Option<Format> {
        let extension = extension.to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.table().1.contains(&extension.as_str()))
    }

    /// The format the extension of `path` promises.
    pub fn from_path(path: &Path) -> Option<Format> {
        Format::from_extension(path.extension()?.to_str()?)
    }

    /// Name, extensions (the usual one first) and media type.
    fn table(self) -> (&'static str, &'static [&'static str], &'static str) {
        match self {
            Format::Text => ("text", &["txt"], "text/plain; charset=utf-8"),
            Format::Markdown => (
                "markdown",
                &["md", "markdown"],
                "text/markdown; charset=utf-8",
            ),
            Format::Json => ("json", &["json"], "application/json"),
            Format::Yaml => ("yaml", &["yaml", "yml"], "application/yaml"),
            Format::Svg => ("svg", &["svg"], "image/svg+xml"),
            Format::Png => ("png", &["png"], "image/png"),
            Format::Pdf => ("pdf", &["pdf"], "application/pdf"),
            Format::Html => ("html", &["html", "htm"], "text/html; charset=utf-8"),
            Format::Mermaid => ("mermaid", &["mmd", "mermaid"], "text/vnd.mermaid"),
            Format::Dot => ("dot", &["dot", "gv"], "text/vnd.graphviz"),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extensions_come_back() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
            assert_eq!(Format::from_extension(format.extension()), Some(format));
            assert!(!format.media_type().is_empty());
        }
        assert_eq!(Format::from_path(Path::new("map.HTM")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("map.gv")), Some(Format::Dot));
        assert_eq!(Format::from_path(Path::new("map")), None);
        assert_eq!(Format::from_name("svgz"), None);
    }
}
