package sandboxexecutor.net;

import java.net.URI;

/**
 * A fetched page as WebFetch shows it to the model.
 *
 * @param url         the final URL, after redirects
 * @param status      the HTTP status; 4xx and 5xx come back as pages too, so the model can be told
 * @param contentType the media type without parameters, e.g. {@code text/html}; "" when the server sent none
 * @param content     Markdown for HTML, the text itself for text, Markdown, JSON and XML
 * @param truncated   true when the body or the content was cut at a limit
 */
public record WebPage(URI url, int status, String contentType, String content, boolean truncated) {
  public boolean ok() {
    return status >= 200 && status < 300;
  }
}
