// EPUBCheck over every book the tests built, in one JVM: `java -cp epubcheck.jar
// EpubCheckAll.java [--at-least N] DIR...` (Java 11+ runs a single source file). The tests
// leave their books in DIR when ANTHOLOGY_CONFORMANCE=DIR (tests/common/mod.rs); each file is
// named after the test that built it. The command line of EPUBCheck takes one book and starts
// a JVM for it, which took longer than the check itself on the tests' small books.
//
// Exit code 1 when any book has a fatal error, an error or a warning, or when fewer than N
// books were found (the tests stopped leaving them: a run that checks nothing must not pass).

import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.DefaultReportImpl;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class EpubCheckAll {
    public static void main(String[] args) {
        int atLeast = 1;
        List<File> books = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--at-least") && i + 1 < args.length) {
                atLeast = Integer.parseInt(args[++i]);
                continue;
            }
            File f = new File(args[i]);
            File[] found = f.isDirectory() ? f.listFiles((d, n) -> n.endsWith(".epub")) : new File[] {f};
            if (found == null) {
                System.err.println(args[i] + ": cannot be read");
                System.exit(1);
            }
            Arrays.sort(found);
            books.addAll(Arrays.asList(found));
        }
        List<String> bad = new ArrayList<>();
        for (File epub : books) {
            DefaultReportImpl report = new DefaultReportImpl(epub.getName());
            new EpubCheck(epub, report).doValidate();
            int fatals = report.getFatalErrorCount();
            int errors = report.getErrorCount();
            int warnings = report.getWarningCount();
            if (fatals + errors + warnings > 0) {
                bad.add(String.format("%s: %d fatal, %d errors, %d warnings", epub.getName(), fatals, errors, warnings));
            }
        }
        System.out.printf("EPUBCheck: %d books checked, %d with a fatal error, an error or a warning%n", books.size(), bad.size());
        for (String b : bad) {
            System.out.println("  " + b);
        }
        if (books.size() < atLeast) {
            System.out.printf("EPUBCheck: fewer books than the %d the tests build: were they left in the folder?%n", atLeast);
            System.exit(1);
        }
        System.exit(bad.isEmpty() ? 0 : 1);
    }
}
