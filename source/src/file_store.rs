//! A token store on disk: one file per key in a directory, replaced atomically, readable by the
//! owner only.

use keycard_core::lifecycle::{DecodeError, StoreKey, StoredToken, TokenStore};
use keycard_core::limits::MAX_STORED_TOKEN_LEN;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The most a token file may hold ([`MAX_STORED_TOKEN_LEN`]); anything larger is not one of
/// ours, and is not read.
const MAX_FILE: u64 = MAX_STORED_TOKEN_LEN as u64;

/// A [`TokenStore`] in a directory: one JSON file per [`StoreKey`], named after the key (no
/// secret in the name), holding the token **with its secret**.
///
/// Writes go to a temporary file in the same directory, which is flushed to disk and renamed
/// over the old file: a reader sees the old token or the new one, never half of one. On Unix the
/// directory is created `0700` and the files `0600`. A corrupted or foreign file is a
/// [`FileStoreError::Corrupt`], never a panic.
///
/// ```
/// use keycard_source::lifecycle::{StoreKey, TokenStore};
/// use keycard_source::FileStore;
///
/// let dir = std::env::temp_dir().join(format!("keycard-doc-{}", std::process::id()));
/// let store = FileStore::new(&dir);
/// let key = StoreKey::from_parts("voucherify", &[b"example"]);
/// assert!(store.load(&key)?.is_none());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), keycard_source::FileStoreError>(())
/// ```
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
}

/// The file store could not read or write a token.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileStoreError {
    /// The file system refused: check the path, its permissions and free space.
    Io {
        /// What was being done, e.g. `write`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The file is not a token stored for this key (corrupted, truncated, foreign): delete it
    /// and a new token will be minted.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: DecodeError,
    },
}

impl std::fmt::Display for FileStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io {
                action,
                path,
                source,
            } => write!(f, "could not {action} {}: {source}", path.display()),
            Self::Corrupt { path, source } => {
                write!(
                    f,
                    "{} does not hold a usable token: {source}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for FileStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Corrupt { source, .. } => Some(source),
        }
    }
}

impl FileStore {
    /// A store in `dir`, created (owner-only on Unix) on the first save.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the token for `key`.
    pub fn path_for(&self, key: &StoreKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.file_stem()))
    }

    fn create_dir(&self) -> Result<(), FileStoreError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|source| FileStoreError::Io {
                action: "create the directory",
                path: self.dir.clone(),
                source,
            })
    }
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> FileStoreError + 'a {
    move |source| FileStoreError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

impl TokenStore for FileStore {
    type Error = FileStoreError;

    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, FileStoreError> {
        let path = self.path_for(key);
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("open", &path)(e)),
        };
        // A file larger than a stored token is refused by its size, unread; one that grows
        // while being read is still cut at the limit.
        let too_large = || FileStoreError::Corrupt {
            path: path.clone(),
            source: DecodeError::TooLarge {
                limit: MAX_STORED_TOKEN_LEN,
            },
        };
        let size = file.metadata().map_err(io_error("read", &path))?.len();
        if size > MAX_FILE {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error("read", &path))?;
        if bytes.len() as u64 > MAX_FILE {
            return Err(too_large());
        }
        StoredToken::from_json(key, &bytes)
            .map(Some)
            .map_err(|source| FileStoreError::Corrupt { path, source })
    }

    fn save(&self, key: &StoreKey, token: &StoredToken) -> Result<(), FileStoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        self.create_dir()?;
        let path = self.path_for(key);
        let temp = self.dir.join(format!(
            ".{}.{}.{}.tmp",
            key.file_stem(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = write_new(&temp, &token.to_json(key))
            .and_then(|()| fs::rename(&temp, &path).map_err(io_error("rename into", &path)));
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result?;
        sync_dir(&self.dir);
        Ok(())
    }

    fn remove(&self, key: &StoreKey) -> Result<(), FileStoreError> {
        let path = self.path_for(key);
        match fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(&self.dir);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("remove", &path)(e)),
        }
    }
}

/// Writes `bytes` to a new file at `path` (owner-only on Unix) and flushes it to disk.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FileStoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_error("create", path))?;
    file.write_all(bytes).map_err(io_error("write", path))?;
    file.sync_all().map_err(io_error("flush", path))
}

/// Flushes the directory entry (the rename) to disk where the platform allows it. Best effort:
/// the data itself is already on disk.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use keycard_core::lifecycle::{Io, IoResult, SourceConfig, SourceMachine, Step};
    use keycard_core::voucherify::{self, Credentials, Region, Scope, Scopes};
    use keycard_core::SecretKey;
    use std::time::{Duration, Instant, UNIX_EPOCH};

    /// A key and a live token stored for it.
    fn token() -> (StoreKey, StoredToken) {
        let endpoint = voucherify::Api::new(
            Region::Europe.base_url(),
            Credentials::new("app-1", SecretKey::new("sk-SECRET")).unwrap(),
        )
        .generate_token(&Scopes::from([Scope::Vouchers]))
        .unwrap();
        let mut machine = SourceMachine::new(endpoint, SourceConfig::default());
        let now = Instant::now();
        let waiter = machine.waiter(now);
        let Step::Io(Io::Send(id, _)) = machine.poll(now, &waiter) else {
            panic!()
        };
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(br#"{"access_token":"tok-FILE","client_id":"c","expires_at":1738945086,"expires_in":900,"scope":"vouchers","token_type":"Bearer"}"#.to_vec())
            .unwrap();
        let wall = UNIX_EPOCH + Duration::from_secs(1_738_944_186);
        machine.complete(id, IoResult::Sent(Ok(response)), now, wall);
        let stored = machine.current().unwrap().to_stored();
        (machine.store_key().clone(), stored)
    }

    #[test]
    fn round_trip_replace_and_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("tokens"));
        let (key, stored) = token();
        assert!(store.load(&key).unwrap().is_none());
        store.save(&key, &stored).unwrap();
        assert_eq!(store.load(&key).unwrap(), Some(stored.clone()));
        // Saved again: replaced, and no temporary file left behind.
        store.save(&key, &stored).unwrap();
        let names: Vec<_> = fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [format!("{}.json", key.file_stem())]);
        // The file name holds no secret; the content holds the token, as documented.
        assert!(!names[0].contains("SECRET") && !names[0].contains("tok-FILE"));
        let content = fs::read_to_string(store.path_for(&key)).unwrap();
        assert!(content.contains("tok-FILE"));
        assert!(!content.contains("sk-SECRET"));
        store.remove(&key).unwrap();
        assert!(store.load(&key).unwrap().is_none());
        store.remove(&key).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn files_and_directory_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("tokens"));
        let (key, stored) = token();
        store.save(&key, &stored).unwrap();
        let file_mode = fs::metadata(store.path_for(&key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(file_mode & 0o777, 0o600, "{file_mode:o}");
        let dir_mode = fs::metadata(store.dir()).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700, "{dir_mode:o}");
    }

    #[test]
    fn a_corrupted_or_foreign_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let (key, stored) = token();
        let path = store.path_for(&key);
        for garbage in [
            &b""[..],
            b"not json",
            b"{\"key\":1}",
            b"\xff\xfe\x00",
            br#"{"key":"x","token":{"format":1}}"#,
        ] {
            fs::write(&path, garbage).unwrap();
            let error = store.load(&key).unwrap_err();
            assert!(
                matches!(error, FileStoreError::Corrupt { .. }),
                "{garbage:?}: {error:?}"
            );
        }
        // A token written for another key.
        let other = StoreKey::from_parts("voucherify", &[b"other"]);
        fs::write(&path, stored.to_json(&other)).unwrap();
        assert!(matches!(
            store.load(&key),
            Err(FileStoreError::Corrupt {
                source: DecodeError::OtherKey,
                ..
            })
        ));
        // Too large to be ours: refused by its size. A sparse file of 64 GiB would take the
        // memory and the time of the machine to read.
        fs::write(&path, vec![b' '; 100_000]).unwrap();
        assert!(matches!(
            store.load(&key),
            Err(FileStoreError::Corrupt {
                source: DecodeError::TooLarge { .. },
                ..
            })
        ));
        let huge = fs::OpenOptions::new().write(true).open(&path).unwrap();
        huge.set_len(1 << 36).unwrap();
        drop(huge);
        let started = std::time::Instant::now();
        assert!(matches!(
            store.load(&key),
            Err(FileStoreError::Corrupt {
                source: DecodeError::TooLarge { .. },
                ..
            })
        ));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // At the limit it is read (and is no token).
        fs::write(&path, vec![b' '; MAX_STORED_TOKEN_LEN]).unwrap();
        assert!(matches!(
            store.load(&key),
            Err(FileStoreError::Corrupt {
                source: DecodeError::Malformed { .. },
                ..
            })
        ));
        // A corrupt token's secret never shows in the error.
        let json = String::from_utf8(stored.to_json(&key)).unwrap();
        fs::write(
            &path,
            json.replace(r#""format":2"#, r#""format":"tok-FILE""#),
        )
        .unwrap();
        let error = store.load(&key).unwrap_err();
        assert!(!error.to_string().contains("tok-FILE"), "{error}");
    }

    #[test]
    fn an_unwritable_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").unwrap();
        let store = FileStore::new(blocker.join("tokens"));
        let (key, stored) = token();
        assert!(matches!(
            store.save(&key, &stored),
            Err(FileStoreError::Io { .. })
        ));
    }
}
