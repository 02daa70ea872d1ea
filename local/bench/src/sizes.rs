//! Binary sizes: each function's `bootstrap` as cargo-lambda wrote it, checked to be stripped
//! (no `.symtab` section), since that is the size that ships.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("not a 64-bit little-endian ELF file")]
    NotElf64,
    #[error("truncated ELF section table")]
    Truncated,
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, ElfError> {
    let end = at.checked_add(2).ok_or(ElfError::Truncated)?;
    let slice = bytes.get(at..end).ok_or(ElfError::Truncated)?;
    Ok(u16::from_le_bytes([slice[0], slice[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, ElfError> {
    let end = at.checked_add(4).ok_or(ElfError::Truncated)?;
    let slice = bytes.get(at..end).ok_or(ElfError::Truncated)?;
    let mut word = [0; 4];
    word.copy_from_slice(slice);
    Ok(u32::from_le_bytes(word))
}

fn u64_at(bytes: &[u8], at: usize) -> Result<usize, ElfError> {
    let end = at.checked_add(8).ok_or(ElfError::Truncated)?;
    let slice = bytes.get(at..end).ok_or(ElfError::Truncated)?;
    let mut word = [0; 8];
    word.copy_from_slice(slice);
    usize::try_from(u64::from_le_bytes(word)).map_err(|_| ElfError::Truncated)
}

/// Whether the ELF image `bytes` has a symbol table (`.symtab`): a stripped binary has none.
pub fn has_symbol_table(bytes: &[u8]) -> Result<bool, ElfError> {
    // ELF64 (class 2), little-endian (data 1): both x86_64 and aarch64 Linux.
    if bytes.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        return Err(ElfError::NotElf64);
    }
    let section_table = u64_at(bytes, 0x28)?;
    let entry_size = usize::from(u16_at(bytes, 0x3a)?);
    let count = usize::from(u16_at(bytes, 0x3c)?);
    let names_index = usize::from(u16_at(bytes, 0x3e)?);
    const SHT_SYMTAB: u32 = 2;
    if count == 0 || names_index >= count {
        return Ok(false);
    }
    for index in 0..count {
        let kind_at = index
            .checked_mul(entry_size)
            .and_then(|offset| offset.checked_add(section_table))
            .and_then(|header| header.checked_add(4))
            .ok_or(ElfError::Truncated)?;
        if u32_at(bytes, kind_at)? == SHT_SYMTAB {
            return Ok(true);
        }
    }
    Ok(false)
}

/// One binary's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinarySize {
    pub bytes: u64,
    pub stripped: bool,
}

/// The size of `path` and whether it is stripped.
pub fn binary_size(path: &Path) -> Result<BinarySize, ElfError> {
    let bytes = std::fs::read(path)?;
    Ok(BinarySize {
        bytes: bytes.len() as u64,
        stripped: !has_symbol_table(&bytes)?,
    })
}

/// Every `<lambda_dir>/<binary>/bootstrap` of `functions`, by function (missing ones left out).
pub fn lambda_dir_sizes(lambda_dir: &Path, functions: &[String]) -> BTreeMap<String, BinarySize> {
    functions
        .iter()
        .filter_map(|f| {
            let size = binary_size(&lambda_dir.join(f).join("bootstrap")).ok()?;
            Some((f.clone(), size))
        })
        .collect()
}

/// Bytes as MB (10^6, as the 8 MB target means) with two decimals.
pub fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_a_binary_with_symbols_from_junk() {
        // This test executable is built with symbols (the dev profile does not strip).
        let me = std::env::current_exe().unwrap();
        let size = binary_size(&me).unwrap();
        assert!(!size.stripped);
        assert!(size.bytes > 0);
        assert!(matches!(
            has_symbol_table(b"#!/bin/sh\n"),
            Err(ElfError::NotElf64)
        ));
        let mut truncated = std::fs::read(&me).unwrap();
        truncated.truncate(0x40);
        assert!(has_symbol_table(&truncated).is_err());
    }

    #[test]
    fn a_hostile_section_table_is_an_error_not_a_panic() {
        let mut header = vec![0u8; 0x40];
        header[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        header[0x28..0x30].copy_from_slice(&(u64::MAX - 2).to_le_bytes());
        header[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        header[0x3c..0x3e].copy_from_slice(&2u16.to_le_bytes());
        header[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        assert!(matches!(
            has_symbol_table(&header),
            Err(ElfError::Truncated)
        ));
        // No sections at all: nothing to strip.
        header[0x3c..0x3e].copy_from_slice(&0u16.to_le_bytes());
        assert!(!has_symbol_table(&header).unwrap());
    }

    #[test]
    fn a_stripped_copy_has_no_symbol_table() {
        let me = std::env::current_exe().unwrap();
        let dir = std::env::temp_dir().join(format!("cfp-bench-strip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("stripped");
        let status = std::process::Command::new("strip")
            .arg("-o")
            .arg(&copy)
            .arg(&me)
            .status()
            .expect("binutils' strip");
        assert!(status.success());
        assert!(binary_size(&copy).unwrap().stripped);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(megabytes(8_000_000), 8.0);
    }
}
