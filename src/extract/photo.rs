//! EXIF from photos: date taken, camera, GPS position, orientation. Lying lengths and broken
//! IFDs are tolerated (`continue_on_error`); what cannot be read is simply absent.

use exif::{In, Reader, Tag, Value};
use serde_json::{Map, Value as Json};

pub fn exif(bytes: &[u8], out: &mut Map<String, Json>) -> Result<(), String> {
    let exif = match Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut std::io::Cursor::new(bytes))
    {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
        Err(exif::Error::NotFound(_)) => return Ok(()),
        Err(e) => return Err(format!("EXIF could not be read: {e}")),
    };
    let text = |tag| {
        exif.get_field(tag, In::PRIMARY).map(|f| {
            f.display_value()
                .to_string()
                .trim_matches('"')
                .trim()
                .to_string()
        })
    };
    if let Some(date) = text(Tag::DateTimeOriginal).or_else(|| text(Tag::DateTime)) {
        out.insert("date_taken".into(), date.into());
    }
    let camera: Vec<String> = [text(Tag::Make), text(Tag::Model)]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if !camera.is_empty() {
        out.insert("camera".into(), camera.join(" ").into());
    }
    if let Some(o) = exif
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
    {
        out.insert("orientation".into(), o.into());
    }
    let coordinate = |value: Tag, reference: Tag, negative: &str| -> Option<f64> {
        let Value::Rational(parts) = &exif.get_field(value, In::PRIMARY)?.value else {
            return None;
        };
        let [d, m, s] = [parts.first()?, parts.get(1)?, parts.get(2)?].map(|r| r.to_f64());
        let sign = if text(reference)?.starts_with(negative) {
            -1.0
        } else {
            1.0
        };
        let v = sign * (d + m / 60.0 + s / 3600.0);
        v.is_finite().then_some(v)
    };
    if let (Some(lat), Some(lon)) = (
        coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S"),
        coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W"),
    ) {
        out.insert(
            "gps".into(),
            serde_json::json!({ "latitude": lat, "longitude": lon }),
        );
    }
    Ok(())
}
