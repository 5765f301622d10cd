//! The workspace's look: colours, font, default theme and logo, read by every member and set
//! by whoever may update the workspace. An uploaded logo is checked by its bytes, not its
//! name: a raster must be PNG, JPEG, WebP or GIF of sensible dimensions; an SVG is parsed and
//! written back as plain shapes, so no script, event handler, link or external reference that
//! it held survives.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use ts_rs::TS;

use super::{Appliance, ServiceError};
use crate::audit::AuditEvent;
use crate::dashboards::{FONTS, Theme};
use crate::identity::policy::{Action, Grant, Resource};
use crate::store::records::{LogoInfo, WorkspaceBranding};

/// A raster logo's width and height at most, in pixels.
pub const MAX_LOGO_PIXELS: usize = 4096;

/// What a workspace admin sets; the logo has its own route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BrandingInput {
    #[serde(default)]
    pub primary_color: Option<String>,
    #[serde(default)]
    pub accent_color: Option<String>,
    #[serde(default)]
    pub font: Option<String>,
    #[serde(default)]
    pub theme: Option<Theme>,
}

/// `#RRGGBB`, the only colour form accepted (it goes into CSS and SVG as it is).
pub fn is_hex_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(message.into())
}

impl Appliance {
    /// The workspace's branding, for any member.
    pub fn branding(&self, grant: &Grant) -> Result<WorkspaceBranding, ServiceError> {
        self.require(grant, Resource::Dashboards, Action::Read, "branding")?;
        let tenant = self
            .store
            .tenant(&grant.tenant)?
            .ok_or_else(|| ServiceError::NotFound {
                kind: "tenant",
                id: grant.tenant.clone(),
            })?;
        Ok(tenant.branding)
    }

    /// Sets the colours, font and default theme (the logo stays as it is).
    pub fn set_branding(
        &self,
        grant: &Grant,
        input: BrandingInput,
    ) -> Result<WorkspaceBranding, ServiceError> {
        self.require(grant, Resource::Branding, Action::Update, "branding")?;
        for (name, colour) in [
            ("primary_color", &input.primary_color),
            ("accent_color", &input.accent_color),
        ] {
            if let Some(colour) = colour
                && !is_hex_colour(colour)
            {
                return Err(invalid(format!(
                    "{name} must be a colour written #RRGGBB, not `{colour}`"
                )));
            }
        }
        if let Some(font) = &input.font
            && !FONTS.contains(&font.as_str())
        {
            return Err(invalid(format!(
                "font `{font}` is not one Flexboard ships; choose one of {}",
                FONTS.join(", ")
            )));
        }
        self.write_branding(grant, "branding.update", |_, branding| {
            branding.primary_color = input.primary_color;
            branding.accent_color = input.accent_color;
            branding.font = input.font;
            branding.theme = input.theme;
            Ok(())
        })
    }

    /// Stores a new logo after checking (and for SVG, rewriting) its bytes.
    pub fn put_logo(
        &self,
        grant: &Grant,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<WorkspaceBranding, ServiceError> {
        self.require(grant, Resource::Branding, Action::Update, "branding.logo")?;
        let (content_type, stored) = checked_logo(content_type, bytes)?;
        let info = LogoInfo {
            content_type: content_type.to_owned(),
            bytes: stored.len() as u64,
            digest: crate::digest::hex(&sha2::Sha256::digest(&stored)),
            updated_at: Utc::now(),
        };
        let tenant = grant.tenant.clone();
        self.write_branding(grant, "branding.logo", move |tx, branding| {
            tx.set_logo(&tenant, Some(&stored))?;
            branding.logo = Some(info);
            Ok(())
        })
    }

    /// Removes the logo.
    pub fn delete_logo(&self, grant: &Grant) -> Result<WorkspaceBranding, ServiceError> {
        self.require(grant, Resource::Branding, Action::Update, "branding.logo")?;
        let tenant = grant.tenant.clone();
        self.write_branding(grant, "branding.logo.delete", move |tx, branding| {
            tx.set_logo(&tenant, None)?;
            branding.logo = None;
            Ok(())
        })
    }

    /// The logo's type and bytes, for any member.
    pub fn logo(&self, grant: &Grant) -> Result<(LogoInfo, Vec<u8>), ServiceError> {
        let branding = self.branding(grant)?;
        let missing = || ServiceError::NotFound {
            kind: "logo",
            id: grant.tenant.clone(),
        };
        let info = branding.logo.ok_or_else(missing)?;
        let bytes = self.store.logo(&grant.tenant)?.ok_or_else(missing)?;
        Ok((info, bytes))
    }

    /// Changes the tenant's branding in one transaction, audited with before and after.
    fn write_branding(
        &self,
        grant: &Grant,
        action: &str,
        change: impl FnOnce(
            &mut crate::store::Tx<'_>,
            &mut WorkspaceBranding,
        ) -> Result<(), crate::store::StoreError>,
    ) -> Result<WorkspaceBranding, ServiceError> {
        self.store.write(|tx| {
            let mut tenant = tx
                .tenant(&grant.tenant)?
                .ok_or_else(|| ServiceError::NotFound {
                    kind: "tenant",
                    id: grant.tenant.clone(),
                })?;
            let before = tenant.branding.clone();
            change(tx, &mut tenant.branding)?;
            tx.put_tenant(&tenant)?;
            tx.audit(
                AuditEvent::new(&grant.actor, Some(&grant.tenant), action, &grant.tenant)
                    .before(&before)
                    .after(&tenant.branding),
            );
            Ok::<_, ServiceError>(tenant.branding)
        })
    }
}

/// Checks a logo's bytes against what it claims to be; an SVG comes back rewritten.
pub fn checked_logo(
    content_type: &str,
    bytes: &[u8],
) -> Result<(&'static str, Vec<u8>), ServiceError> {
    let claimed = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if bytes.is_empty() {
        return Err(invalid("the logo is empty"));
    }
    if claimed == "image/svg+xml" {
        return Ok(("image/svg+xml", clean_svg(bytes)?));
    }
    let kind = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => "image/png",
        Ok(imagesize::ImageType::Jpeg) => "image/jpeg",
        Ok(imagesize::ImageType::Webp) => "image/webp",
        Ok(imagesize::ImageType::Gif) => "image/gif",
        _ => {
            return Err(ServiceError::UnsupportedMedia(
                "a logo must be a PNG, JPEG, WebP, GIF or SVG image".into(),
            ));
        }
    };
    if claimed != kind && !(claimed == "image/jpg" && kind == "image/jpeg") {
        return Err(ServiceError::UnsupportedMedia(format!(
            "the file says it is `{claimed}` but its bytes are {kind}"
        )));
    }
    let size = imagesize::blob_size(bytes)
        .map_err(|_| invalid(format!("the {kind} image cannot be read")))?;
    if size.width == 0
        || size.height == 0
        || size.width > MAX_LOGO_PIXELS
        || size.height > MAX_LOGO_PIXELS
    {
        return Err(invalid(format!(
            "a logo may be at most {MAX_LOGO_PIXELS}×{MAX_LOGO_PIXELS} pixels; this one is {}×{}",
            size.width, size.height
        )));
    }
    Ok((kind, bytes.to_vec()))
}

/// Parses an SVG and writes it back as plain shapes: scripts, event handlers, links, styles
/// that load anything, foreign content and text are gone, and an embedded picture survives
/// only as a raster inside the file (nothing is ever read from disk or network).
fn clean_svg(bytes: &[u8]) -> Result<Vec<u8>, ServiceError> {
    let text = std::str::from_utf8(bytes).map_err(|_| invalid("the SVG logo is not UTF-8"))?;
    // `<use>` copies what it names, and copies of copies multiply: refuse it rather than risk a
    // small file that expands without bound.
    if text.contains("<use") || text.contains(":use") {
        return Err(invalid(
            "an SVG logo cannot contain <use> references; export it with them expanded, or upload a PNG",
        ));
    }
    let options = usvg::Options {
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|mime, data, _| match mime {
                "image/png" => Some(usvg::ImageKind::PNG(data)),
                "image/jpeg" | "image/jpg" => Some(usvg::ImageKind::JPEG(data)),
                "image/webp" => Some(usvg::ImageKind::WEBP(data)),
                "image/gif" => Some(usvg::ImageKind::GIF(data)),
                _ => None,
            }),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    // The parser is not ours: a panic in it is a refused file, not a failed request.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        usvg::Tree::from_str(text, &options)
    }))
    .map_err(|_| invalid("the SVG logo cannot be read"))?;
    let tree = parsed.map_err(|e| invalid(format!("the SVG logo cannot be read: {e}")))?;
    if !tree.root().has_children() {
        return Err(invalid(
            "the SVG logo draws nothing Flexboard keeps (text must be converted to outlines)",
        ));
    }
    Ok(tree.to_string(&usvg::WriteOptions::default()).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_logos_lose_scripts_handlers_and_links() {
        let hostile = br##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20" onload="alert(1)">
            <script>alert(2)</script>
            <a xlink:href="javascript:alert(3)"><rect width="40" height="20" fill="#0B5FFF" onclick="alert(4)"/></a>
            <image xlink:href="file:///etc/passwd" width="5" height="5"/>
            <image xlink:href="https://example.com/x.png" width="5" height="5"/>
            <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
        </svg>"##;
        let (kind, clean) = checked_logo("image/svg+xml", hostile).unwrap();
        assert_eq!(kind, "image/svg+xml");
        let clean = String::from_utf8(clean).unwrap();
        for gone in [
            "script",
            "onload",
            "onclick",
            "javascript",
            "alert",
            "passwd",
            "example.com",
            "foreignObject",
        ] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(clean.contains("<path"), "{clean}");
    }

    #[test]
    fn raster_logos_must_be_what_they_say() {
        // A 1×1 PNG.
        let png: &[u8] = &[
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0,
            0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
        ];
        assert_eq!(checked_logo("image/png", png).unwrap().0, "image/png");
        assert!(matches!(
            checked_logo("image/jpeg", png),
            Err(ServiceError::UnsupportedMedia(_))
        ));
        assert!(matches!(
            checked_logo("text/html", b"<html><script>1</script>"),
            Err(ServiceError::UnsupportedMedia(_))
        ));
        assert!(
            checked_logo(
                "image/svg+xml",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"><use href=\"#a\"/></svg>"
            )
            .is_err()
        );
        assert!(checked_logo("image/svg+xml", b"not svg").is_err());
        assert!(is_hex_colour("#0B5FFF"));
        assert!(!is_hex_colour("red"));
        assert!(!is_hex_colour("#0B5FFF;x"));
    }
}
