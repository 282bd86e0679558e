package dev.clipmatch.cli;

/** Bad input from the user (file, format, option): reported as one line and exit code 2. */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
