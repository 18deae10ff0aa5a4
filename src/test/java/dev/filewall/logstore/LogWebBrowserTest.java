package dev.filewall.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.filewall.events.Event;
import dev.filewall.rules.Action;
import dev.filewall.rules.Operation;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The log view in a real browser: Debian's headless Chromium, driven by Selenium, loads the page over
 * a store the test writes to, filters it, watches a new event arrive and saves a screenshot
 * (target/web-screenshot.png). Chromium is a build dependency ({@code make deps}): without it this fails.
 */
class LogWebBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Bounds every wait: on a loaded two-core machine Chromium is slow, and a hang must still end as a failure. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private WebDriver driver;
    private LogWeb web;

    @AfterEach
    void close() {
        if (driver != null) driver.quit();
        if (web != null) web.close();
    }

    static Event event(Instant t, Operation op, Action action, int repeats, String exe, byte[] path, byte[] path2) {
        return new Event(t, op, 0, 14840, 1, action == Action.PASS ? -1 : 2, action, 0, 1, repeats,
                exe.getBytes(StandardCharsets.UTF_8), (exe + " --run").getBytes(StandardCharsets.UTF_8), path, path2);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final String TROJAN = "/usr/bin/irjsypzavm";
    static final String SCRIPT = "/tmp/<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";

    /** The seed case's trojan, a burst that flood control folded, and names that break careless markup. */
    static List<Event> events(Instant now) {
        Instant t = now.minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        List<Event> l = new ArrayList<>();
        l.add(event(t, Operation.CREATE, Action.DENY, 0, TROJAN, b("/usr/bin/szklfovzwg"), new byte[0]));
        l.add(event(t.plusSeconds(60), Operation.CREATE, Action.DENY, 41, TROJAN, b("/usr/lib/libudev.so"), new byte[0]));
        l.add(event(t.plusSeconds(300), Operation.CREATE, Action.DENY, 7, TROJAN, b("/tmp/szklfovzwg"), new byte[0]));
        l.add(event(t.plusSeconds(400), Operation.RENAME, Action.LOG, 0, "/usr/bin/a,b", b("/tmp/say \"hi\""), b("/tmp/c,d")));
        l.add(event(t.plusSeconds(500), Operation.CREATE, Action.LOG, 0, "/usr/bin/mv", b(SCRIPT), new byte[0]));
        l.add(event(t.plusSeconds(600), Operation.UNLINK, Action.DENY, 2, "/usr/bin/rm",
                new byte[] {'/', 't', 'm', 'p', '/', (byte) 0xff, (byte) 0xfe, '\\', 'x', '4', '1'}, new byte[0]));
        l.add(event(t.plusSeconds(700), Operation.WRITE, Action.LOG, 0, "/usr/bin/vi", b("/tmp/two\nlines"), new byte[0]));
        l.add(event(t.plusSeconds(800), Operation.OPEN, Action.PASS, 0, "/usr/bin/cat", b("/etc/filewall/filewall.yaml"), new byte[0]));
        return l;
    }

    private ChromeDriver chrome(Path profile) {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER))
            assertThat(Files.isExecutable(p)).as(p + " is missing: the browser test needs Debian's chromium and chromium-driver;"
                    + " run `make deps` (or apt-get install chromium chromium-driver)").isTrue();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        // the machine has no network: without these Chromium waits on connections of its own
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1100", "--user-data-dir=" + profile);
        // named, so Selenium does not look for a driver online
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private <T> T await(String what, ExpectedCondition<T> condition) {
        // a failure says what the page showed: its status line and error
        return new WebDriverWait(driver, WAIT).withMessage(() -> what + "; the page's status: '"
                + texts("#status") + "', error: '" + texts("#error")
                + "', events shown: " + column("c-path")).until(condition);
    }

    /** The texts of the elements {@code css} selects, read in one go: the live table is redrawn under the test. */
    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        return (List<String>) ((JavascriptExecutor) driver).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent)", css);
    }

    private List<String> column(String cls) {
        return texts("#events tbody td." + cls);
    }

    @Test
    void thePageShowsFiltersAndFollowsTheStore(@TempDir Path dir) throws Exception {
        Instant now = Instant.now();
        List<Event> events = events(now);
        Path db = dir.resolve("events.db");
        try (EventStore writer = EventStore.openWriter(db)) {
            writer.append(events);
            web = LogWeb.start(new InetSocketAddress("127.0.0.1", 0), false, db);
            driver = chrome(Files.createDirectory(dir.resolve("profile")));
            driver.get(web.url());

            await("every event in the table", d -> column("c-path").size() == events.size());
            // newest first, each string as text: markup in a path stays text and runs nothing
            assertThat(column("c-path")).containsExactly("/etc/filewall/filewall.yaml", "/tmp/two\\x0alines",
                    "/tmp/\\xff\\xfe\\\\x41", SCRIPT, "/tmp/say \"hi\" -> /tmp/c,d", "/tmp/szklfovzwg", "/usr/lib/libudev.so",
                    "/usr/bin/szklfovzwg");
            assertThat(column("c-exe")).contains("/usr/bin/a,b");
            assertThat(column("c-count")).containsExactly("1", "1", "3", "1", "1", "8", "42", "1");
            assertThat(driver.findElements(By.cssSelector("#events img, #events script"))).isEmpty();
            assertThat(((JavascriptExecutor) driver).executeScript("return window.pwned === undefined")).isEqualTo(true);
            await("the chart", d -> !d.findElements(By.cssSelector("#chart svg rect.bar")).isEmpty());
            assertThat(texts("#chart-note").getFirst()).contains("deny 54", "log 3", "pass 1");

            // filter as `filewall log --action deny --exe '/usr/bin/irj*'` does
            new Select(driver.findElement(By.name("action"))).selectByValue("deny");
            driver.findElement(By.name("exe")).sendKeys("/usr/bin/irj*");
            driver.findElement(By.id("apply")).click();
            await("only the trojan's denies", d -> column("c-path").equals(List.of("/tmp/szklfovzwg", "/usr/lib/libudev.so",
                    "/usr/bin/szklfovzwg")));
            assertThat(column("c-action")).containsOnly("deny");
            assertThat(column("c-exe")).containsOnly(TROJAN);
            assertThat(driver.getCurrentUrl()).endsWith("/?action=deny&exe=%2Fusr%2Fbin%2Firj*");
            await("the summary by exe", d -> summary().equals(List.of("51 " + TROJAN)));
            new Select(driver.findElement(By.id("summary-by"))).selectByValue("path");
            await("the summary by path", d -> summary().equals(List.of("42 /usr/lib/libudev.so", "8 /tmp/szklfovzwg",
                    "1 /usr/bin/szklfovzwg")));

            // a new event the filter takes arrives without a reload; one it does not take stays out
            writer.append(List.of(
                    event(now.plusSeconds(1), Operation.CREATE, Action.DENY, 0, "/usr/bin/cp", b("/usr/bin/other"), new byte[0]),
                    event(now.plusSeconds(2), Operation.CREATE, Action.DENY, 0, TROJAN, b("/usr/sbin/new & <b>bold</b>"), new byte[0])));
            await("the new event at the top", d -> column("c-path").stream().findFirst().orElse("").equals("/usr/sbin/new & <b>bold</b>"));
            assertThat(column("c-path")).hasSize(4).doesNotContain("/usr/bin/other");
            assertThat(texts("#events tbody tr.new td.c-path")).containsExactly("/usr/sbin/new & <b>bold</b>");
            await("the summary follows", d -> summary().contains("1 /usr/sbin/new & <b>bold</b>"));

            // a filter the server refuses is shown as its message
            WebElement since = driver.findElement(By.name("since"));
            since.sendKeys("yesterday");
            driver.findElement(By.id("apply")).click();
            await("the error", d -> d.findElement(By.id("error")).isDisplayed());
            assertThat(texts("#error").getFirst()).startsWith("since 'yesterday': expected a time back from now");
            since.clear();
            driver.findElement(By.id("apply")).click();
            await("the error cleared", d -> !d.findElement(By.id("error")).isDisplayed());

            driver.findElement(By.id("reset")).click();
            await("every event again", d -> column("c-path").size() == events.size() + 2);
            await("the chart of them all", d -> texts("#chart-note").getFirst().contains("deny 56"));

            Path shot = Path.of("target", "web-screenshot.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES));
            assertThat(Files.size(shot)).isPositive();
        }
    }

    /** Each summary line as "COUNT KEY". */
    private List<String> summary() {
        List<String> cells = texts("#summary tbody td:first-child, #summary tbody td:last-child");
        List<String> out = new ArrayList<>();
        for (int i = 0; i + 1 < cells.size(); i += 2) out.add(cells.get(i) + " " + cells.get(i + 1));
        return out;
    }
}
