package org.convnet4j.spark;

import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local file system, whose file statuses refuse to give their permissions, owner or group: on the real one,
 * without Hadoop's native library, asking for them starts an {@code ls -ld} process per file. A listing that must
 * not ask (PictureFiles, PictureFolder) runs through this one in tests; set as {@code fs.file.impl} with the cache off.
 */
public final class NoPermissionsFileSystem extends RawLocalFileSystem {
    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] found = super.listStatus(f);
        for (int i = 0; i < found.length; i++) {
            found[i] = new NoPermissions(found[i]);
        }
        return found;
    }

    private static final class NoPermissions extends FileStatus {
        private static final long serialVersionUID = 1L;

        NoPermissions(FileStatus s) {
            super(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(), s.getModificationTime(),
                    s.getPath());
        }

        @Override
        public FsPermission getPermission() {
            throw new UnsupportedOperationException(getPath() + ": permissions asked for (an ls -ld process per file)");
        }

        @Override
        public String getOwner() {
            throw new UnsupportedOperationException(getPath() + ": owner asked for (an ls -ld process per file)");
        }

        @Override
        public String getGroup() {
            throw new UnsupportedOperationException(getPath() + ": group asked for (an ls -ld process per file)");
        }
    }
}
