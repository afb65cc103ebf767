package sandboxexecutor.net;

import com.vladsch.flexmark.html2md.converter.FlexmarkHtmlConverter;
import com.vladsch.flexmark.util.data.MutableDataSet;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/** Turns a response body into what the model reads: Markdown for HTML, the text itself for textual types. */
final class PageText {
  enum Kind { HTML, TEXT, OTHER }

  /** Elements that carry no readable content, or carry code and tracking the model should not see. */
  private static final String NOISE = "script, style, noscript, template, svg, math, canvas, iframe, frame, frameset,"
      + " object, embed, applet, audio, video, source, track, picture > source, link, meta, base, input, select,"
      + " textarea, button, dialog";

  private final FlexmarkHtmlConverter converter = FlexmarkHtmlConverter.builder(new MutableDataSet()
      .set(FlexmarkHtmlConverter.SETEXT_HEADINGS, false)
      .set(FlexmarkHtmlConverter.OUTPUT_ATTRIBUTES_ID, false)
      .set(FlexmarkHtmlConverter.SKIP_ATTRIBUTES, true)
      .toImmutable()).build();

  static Kind kind(String mediaType) {
    String type = mediaType.toLowerCase(Locale.ROOT);
    if (type.equals("text/html") || type.equals("application/xhtml+xml")) return Kind.HTML;
    if (type.startsWith("text/")) return Kind.TEXT;
    return switch (type) {
      case "application/json", "application/xml", "application/javascript", "application/x-javascript",
           "application/ecmascript", "application/yaml", "application/x-yaml", "application/toml",
           "application/x-ndjson", "application/ld+json", "application/rss+xml", "application/atom+xml" -> Kind.TEXT;
      default -> type.endsWith("+json") || type.endsWith("+xml") ? Kind.TEXT : Kind.OTHER;
    };
  }

  /** For a body sent without a Content-Type: HTML if it starts like HTML, text if it has no NUL bytes. */
  static Kind sniff(byte[] body) {
    String head = new String(body, 0, Math.min(body.length, 512), StandardCharsets.ISO_8859_1).stripLeading()
        .toLowerCase(Locale.ROOT);
    if (head.startsWith("<!doctype html") || head.startsWith("<html")) return Kind.HTML;
    for (int i = 0; i < Math.min(body.length, 8192); i++) if (body[i] == 0) return Kind.OTHER;
    return Kind.TEXT;
  }

  /** @param charset from Content-Type, or null: HTML then looks at its BOM and meta tags, text assumes UTF-8 */
  String convert(Kind kind, byte[] body, Charset charset, String baseUri) {
    return switch (kind) {
      case HTML -> markdown(body, charset, baseUri);
      case TEXT -> new String(body, charset == null ? StandardCharsets.UTF_8 : charset);
      case OTHER -> throw new IllegalArgumentException("not text");
    };
  }

  private String markdown(byte[] body, Charset charset, String baseUri) {
    Document doc;
    try {
      doc = Jsoup.parse(new ByteArrayInputStream(body), charset == null ? null : charset.name(), baseUri);
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // cannot happen: the input is in memory
    }
    doc.select(NOISE).remove();
    doc.select("[hidden], [aria-hidden=true]").remove();
    for (Element link : doc.select("a[href]")) {
      String href = link.absUrl("href");
      if (href.startsWith("http://") || href.startsWith("https://")) link.attr("href", href);
      else link.unwrap();  // javascript:, data: and the like are no use to the model
    }
    for (Element image : doc.select("img")) {
      String src = image.absUrl("src");
      if (src.startsWith("http://") || src.startsWith("https://")) image.attr("src", src);
      else image.remove();  // inline data: images would flood the content with base64
    }
    String title = doc.title().strip();
    String markdown = converter.convert(doc.body().html()).strip();
    return title.isEmpty() || markdown.startsWith("# ") ? markdown : "# " + title + "\n\n" + markdown;
  }
}
