package dev.clipmatch.cli;

import dev.clipmatch.ClipMatchException;

/** Bad command-line input (a flag, a combination of flags): reported like every library error, one line and exit 2. */
public class UserError extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
