//! One blob per event index: the live files of a tantivy directory in a tar archive, with a small
//! manifest naming the format. A tar keeps it inspectable with standard tools and needs no format
//! of our own; tantivy's own CRC footers on each segment file catch damage on load.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::directory::{Directory, RamDirectory};

use crate::error::SearchError;

const MANIFEST: &str = "cfp-search.json";
/// A blob holds a handful of files; far more means it is not ours.
const MAX_FILES: usize = 256;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
}

/// Packs the named files of `directory` into one tar blob.
pub(crate) fn pack(
    directory: &dyn Directory,
    files: &[PathBuf],
    format: u32,
) -> Result<Vec<u8>, SearchError> {
    let mut archive = tar::Builder::new(Vec::new());
    let manifest = serde_json::to_vec(&Manifest { format })
        .map_err(|error| tantivy::TantivyError::InternalError(format!("manifest: {error}")))?;
    append(&mut archive, Path::new(MANIFEST), &manifest)?;
    for path in files {
        let data = directory
            .atomic_read(path)
            .map_err(tantivy::TantivyError::from)?;
        append(&mut archive, path, &data)?;
    }
    archive.into_inner().map_err(io_error)
}

fn append(
    archive: &mut tar::Builder<Vec<u8>>,
    path: &Path,
    data: &[u8],
) -> Result<(), SearchError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    // No mtime or owner: the blob says nothing about when or where it was built.
    header.set_mtime(0);
    archive
        .append_data(&mut header, path, data)
        .map_err(io_error)
}

fn io_error(error: std::io::Error) -> SearchError {
    SearchError::Engine(tantivy::TantivyError::from(error))
}

/// Unpacks a blob into a fresh in-memory directory, checking the format first.
pub(crate) fn unpack(blob: &[u8], expected_format: u32) -> Result<RamDirectory, SearchError> {
    let corrupt = |what: String| SearchError::CorruptBlob(what);
    let directory = RamDirectory::create();
    let mut archive = tar::Archive::new(Cursor::new(blob));
    let mut format = None;
    let entries = archive
        .entries()
        .map_err(|error| corrupt(format!("not a tar archive: {error}")))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_FILES {
            return Err(corrupt(format!("more than {MAX_FILES} files")));
        }
        let mut entry = entry.map_err(|error| corrupt(format!("bad entry: {error}")))?;
        let path = entry
            .path()
            .map_err(|error| corrupt(format!("bad path: {error}")))?
            .into_owned();
        // Only plain, flat file names: tantivy's files never live in folders.
        let Some(name) = path.file_name().filter(|name| Path::new(name) == path) else {
            return Err(corrupt(format!("unexpected path {}", path.display())));
        };
        let name = PathBuf::from(name);
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|error| corrupt(format!("truncated {}: {error}", name.display())))?;
        if name == Path::new(MANIFEST) {
            let manifest: Manifest = serde_json::from_slice(&data)
                .map_err(|error| corrupt(format!("bad manifest: {error}")))?;
            format = Some(manifest.format);
        } else {
            directory
                .atomic_write(&name, &data)
                .map_err(|error| corrupt(format!("writing {}: {error}", name.display())))?;
        }
    }
    match format {
        None => Err(corrupt("no manifest".to_string())),
        Some(found) if found != expected_format => Err(SearchError::IncompatibleFormat {
            found,
            expected: expected_format,
        }),
        Some(_) => Ok(directory),
    }
}
