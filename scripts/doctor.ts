/** `npm run doctor` from the sources; a production install runs the compiled src/doctor/main.ts. */
import '../src/doctor/main.js';
