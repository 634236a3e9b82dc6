/** The core paths in Chromium, the engine the e2e project drives: the same test, the same outcomes. */
import { launchChromium } from '../helpers/chromiumEngine';
import { describeCorePaths } from './corePaths';

describeCorePaths('Chromium', launchChromium);
