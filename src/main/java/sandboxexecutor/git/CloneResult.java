package sandboxexecutor.git;

/**
 * What a clone produced.
 *
 * @param branch     the checked-out branch: the requested one, else the remote's default
 * @param baseCommit the full hash of HEAD after the clone, or null when the repository has no commits yet
 */
public record CloneResult(String branch, String baseCommit) {}
