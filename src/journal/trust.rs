//! Who else could change a file, judged from its owner and mode as `fstat` reports them on an
//! open descriptor; and whether a file lives on a network filesystem, from `fstatfs`.
//!
//! Two sharing rules use the same judgement:
//!
//! - [`Sharing::Private`] — plan files whose commands run (DESIGN.md §9): only you and root
//!   may be able to write them. Any group or world write bit, or another owner, is refused.
//! - [`Sharing::Group`] — journals. A room shared by several operating-system users on one
//!   host needs a journal they can all write, so the trust set is {you, root, the members of
//!   the file's group when that group is one of yours}. Refused: world-writable (`o+w`, a
//!   sticky directory such as `/tmp` included), group-writable by a group you are not in, and
//!   owned by a user other than you or root unless it is group-writable by a group you are in
//!   (a deliberately shared room).
//!
//! Judging an open descriptor, not a path, means the file judged is the file then used: a path
//! checked first and opened afterwards can be swapped in between.

use std::fs::Metadata;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt as _;

use nix::unistd::{Gid, Group, Uid, User, getegid, geteuid, getgroups};

/// Who is asking: the effective user and every group it is in (effective and supplementary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// Effective uid.
    pub uid: u32,
    /// Effective gid and supplementary gids.
    pub groups: Vec<u32>,
}

impl Me {
    /// The current process's effective user and groups. A failing `getgroups` leaves only the
    /// effective group, which can only make the judgement stricter.
    #[must_use]
    pub fn current() -> Me {
        let mut groups = vec![getegid().as_raw()];
        for g in getgroups().unwrap_or_default() {
            if !groups.contains(&g.as_raw()) {
                groups.push(g.as_raw());
            }
        }
        Me {
            uid: geteuid().as_raw(),
            groups,
        }
    }

    fn in_group(&self, gid: u32) -> bool {
        self.groups.contains(&gid)
    }
}

/// Whom a file may be shared with (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Only you and root.
    Private,
    /// You, root, and the members of the file's group when that group is one of yours.
    Group,
}

/// Why users outside the trust set could change a file. `mode` is the permission bits
/// (`st_mode & 0o7777`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hazard {
    /// Every user may write (`o+w`).
    WorldWritable {
        /// Permission bits.
        mode: u32,
    },
    /// The group may write, and the group is not trusted (not one of yours, or
    /// [`Sharing::Private`]).
    GroupWritable {
        /// Permission bits.
        mode: u32,
        /// The file's group.
        gid: u32,
    },
    /// Owned by a user other than you or root (and not shared through a group of yours).
    Owner {
        /// Permission bits.
        mode: u32,
        /// The owner.
        uid: u32,
    },
}

/// Judges one file or directory (`meta` from `File::metadata`, i.e. `fstat` on the open
/// descriptor) for `me` under `sharing`. `None`: only trusted users can write it.
#[must_use]
pub fn judge(meta: &Metadata, me: &Me, sharing: Sharing) -> Option<Hazard> {
    judge_raw(meta.mode(), meta.uid(), meta.gid(), me, sharing)
}

/// [`judge`] on the raw `st_mode`, `st_uid` and `st_gid`.
#[must_use]
pub fn judge_raw(st_mode: u32, uid: u32, gid: u32, me: &Me, sharing: Sharing) -> Option<Hazard> {
    let mode = st_mode & 0o7777;
    if mode & 0o002 != 0 {
        return Some(Hazard::WorldWritable { mode });
    }
    let group_writable = mode & 0o020 != 0;
    let shared_group = sharing == Sharing::Group && me.in_group(gid);
    if group_writable && !shared_group {
        return Some(Hazard::GroupWritable { mode, gid });
    }
    let trusted_owner = uid == me.uid || uid == 0 || (group_writable && shared_group);
    if !trusted_owner {
        return Some(Hazard::Owner { mode, uid });
    }
    None
}

/// `name (uid N)`, or `uid N` when the user has no name here.
#[must_use]
pub fn user_name(uid: u32) -> String {
    match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(u)) => format!("{} (uid {uid})", u.name),
        _ => format!("uid {uid}"),
    }
}

/// `name (gid N)`, or `gid N` when the group has no name here.
#[must_use]
pub fn group_name(gid: u32) -> String {
    match Group::from_gid(Gid::from_raw(gid)) {
        Ok(Some(g)) => format!("{} (gid {gid})", g.name),
        _ => format!("gid {gid}"),
    }
}

// Filesystem magic numbers as `fstatfs` reports them in `f_type`. Source for each, unless
// noted: Linux `include/uapi/linux/magic.h` (as installed in /usr/include/linux/magic.h), and
// the list in statfs(2).
/// NFS (all versions).
const NFS_SUPER_MAGIC: i64 = 0x6969;
/// SMB (the old smbfs).
const SMB_SUPER_MAGIC: i64 = 0x517B;
/// CIFS / SMB 1 ("the first four bytes of SMB PDUs").
const CIFS_SUPER_MAGIC: i64 = 0xFF53_4D42;
/// SMB 2 and 3 (the cifs client reports this for SMB 2+ mounts).
const SMB2_SUPER_MAGIC: i64 = 0xFE53_4D42;
/// FUSE: `sshfs`, `GlusterFS`, `s3fs` and other userspace filesystems (also some local ones).
const FUSE_SUPER_MAGIC: i64 = 0x6573_5546;
/// `OpenAFS`.
const AFS_SUPER_MAGIC: i64 = 0x5346_414F;
/// kAFS, the kernel's AFS client ("kAFS").
const AFS_FS_MAGIC: i64 = 0x6B41_4653;
/// `CephFS` (kernel client).
const CEPH_SUPER_MAGIC: i64 = 0x00C3_6400;
/// Coda.
const CODA_SUPER_MAGIC: i64 = 0x7375_7245;
/// 9P (v9fs: QEMU/WSL shared folders, Plan 9).
const V9FS_MAGIC: i64 = 0x0102_1997;
/// NCP (`NetWare`).
const NCP_SUPER_MAGIC: i64 = 0x564C;

/// The name of the network filesystem with magic number `f_type` (as `fstatfs` reports it),
/// or `None` for a local one. Cluster filesystems with cluster-wide locks (GFS2, OCFS2) are
/// not listed: their locks and fsync hold across hosts.
#[must_use]
pub fn network_fs_name(f_type: i64) -> Option<&'static str> {
    // `f_type` is a signed long on some targets: compare the low 32 bits.
    Some(match f_type & 0xFFFF_FFFF {
        NFS_SUPER_MAGIC => "NFS",
        SMB_SUPER_MAGIC => "SMB",
        CIFS_SUPER_MAGIC => "CIFS/SMB",
        SMB2_SUPER_MAGIC => "SMB2/3",
        FUSE_SUPER_MAGIC => "FUSE (e.g. sshfs)",
        AFS_SUPER_MAGIC | AFS_FS_MAGIC => "AFS",
        CEPH_SUPER_MAGIC => "CephFS",
        CODA_SUPER_MAGIC => "Coda",
        V9FS_MAGIC => "9P",
        NCP_SUPER_MAGIC => "NCP",
        _ => return None,
    })
}

/// The network filesystem the open `fd` lives on (`fstatfs`), or `None` for a local one or
/// when `fstatfs` fails (nothing to warn about that can be known).
#[must_use]
pub fn network_fs(fd: impl AsFd) -> Option<&'static str> {
    let st = nix::sys::statfs::fstatfs(fd).ok()?;
    #[allow(clippy::useless_conversion)] // `f_type`'s width differs between targets.
    let f_type = i64::from(st.filesystem_type().0);
    network_fs_name(f_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Me {
        Me {
            uid: 1000,
            groups: vec![1000, 50],
        }
    }

    #[test]
    fn group_sharing_trusts_your_groups_only() {
        let me = me();
        let g = Sharing::Group;
        assert_eq!(judge_raw(0o100_644, 1000, 1000, &me, g), None);
        assert_eq!(judge_raw(0o100_664, 1000, 50, &me, g), None);
        assert_eq!(judge_raw(0o100_644, 0, 0, &me, g), None);
        // Another user's file, shared through a group of yours: a shared room.
        assert_eq!(judge_raw(0o100_660, 1001, 50, &me, g), None);
        assert_eq!(
            judge_raw(0o100_666, 1000, 1000, &me, g),
            Some(Hazard::WorldWritable { mode: 0o666 })
        );
        assert_eq!(
            judge_raw(0o041_777, 0, 0, &me, g),
            Some(Hazard::WorldWritable { mode: 0o1777 })
        );
        assert_eq!(
            judge_raw(0o100_664, 1000, 77, &me, g),
            Some(Hazard::GroupWritable {
                mode: 0o664,
                gid: 77
            })
        );
        assert_eq!(
            judge_raw(0o100_644, 1001, 50, &me, g),
            Some(Hazard::Owner {
                mode: 0o644,
                uid: 1001
            })
        );
    }

    #[test]
    fn private_sharing_trusts_no_group() {
        let me = me();
        let p = Sharing::Private;
        assert_eq!(judge_raw(0o100_644, 1000, 1000, &me, p), None);
        assert!(matches!(
            judge_raw(0o100_664, 1000, 50, &me, p),
            Some(Hazard::GroupWritable { .. })
        ));
        assert!(matches!(
            judge_raw(0o100_640, 1001, 50, &me, p),
            Some(Hazard::Owner { uid: 1001, .. })
        ));
    }

    #[test]
    fn network_filesystems_by_magic_number() {
        assert_eq!(network_fs_name(0x6969), Some("NFS"));
        assert_eq!(network_fs_name(0xFF53_4D42), Some("CIFS/SMB"));
        // Sign-extended, as a 32-bit signed f_type would arrive.
        assert_eq!(
            network_fs_name(0xFFFF_FFFF_FE53_4D42_u64 as i64),
            Some("SMB2/3")
        );
        assert_eq!(network_fs_name(0x6573_5546), Some("FUSE (e.g. sshfs)"));
        // ext4 and tmpfs (magic.h: EXT4_SUPER_MAGIC, TMPFS_MAGIC).
        assert_eq!(network_fs_name(0xEF53), None);
        assert_eq!(network_fs_name(0x0102_1994), None);
    }
}
