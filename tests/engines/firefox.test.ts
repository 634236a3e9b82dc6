/** The core paths in Firefox ESR, over WebDriver BiDi. */
import { launchFirefox } from '../helpers/firefox';
import { whenInstalled } from './availability';
import { describeCorePaths } from './corePaths';

whenInstalled('firefox', () => describeCorePaths('Firefox ESR', launchFirefox));
